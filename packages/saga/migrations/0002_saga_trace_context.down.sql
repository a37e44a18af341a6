ALTER TABLE sagas DROP COLUMN trace_headers;
