-- The W3C trace context (traceparent, tracestate) of a saga's latest transition, when it was traced:
-- a deadline or an operator's retry starts a new trace linked to it (@notes/saga engine).
ALTER TABLE sagas ADD COLUMN trace_headers jsonb NULL;
