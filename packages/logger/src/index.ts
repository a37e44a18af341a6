import { isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, pino } from 'pino';
import { currentLogFields } from './log-fields.ts';

export type { Logger } from 'pino';
export { currentLogFields, type LogFields, withLogFields } from './log-fields.ts';

export interface LoggerOptions {
  service: string;
  level: string;
  /** Where lines go; standard output by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/**
 * JSON lines with the service name; credentials are redacted wherever they appear. A line written
 * inside a traced span carries its trace_id and span_id, and inside withLogFields its fields.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      mixin: correlationFields,
      redact: {
        paths: [
          'password',
          '*.password',
          'refresh_token',
          '*.refresh_token',
          'access_token',
          '*.access_token',
          // The same as gRPC messages and settings name them, and where a password hides in a URL.
          'refreshToken',
          '*.refreshToken',
          'accessToken',
          '*.accessToken',
          'privateKey',
          '*.privateKey',
          'dsn',
          '*.dsn',
          'connectionString',
          '*.connectionString',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? standardOutput(),
  );
}

/**
 * Standard output, written asynchronously: lines logged while a write is under way go out together
 * in the next one, where a synchronous write per line cost bff-rest ~6 % of its CPU under load.
 * pino flushes what is left when the process exits (process.exit included).
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

/**
 * The active span's ids (when tracing is on, there is one) and the log fields of the work in hand.
 * Always a new object: pino merges each line's own fields into what the mixin returns
 * (Object.assign), so a shared object would carry one line's fields into every later line.
 */
function correlationFields(): object {
  const fields = currentLogFields();
  const span = trace.getActiveSpan();
  if (span === undefined || !isSpanContextValid(span.spanContext())) return { ...fields };
  const { traceId, spanId } = span.spanContext();
  return { ...fields, trace_id: traceId, span_id: spanId };
}

/**
 * pino's error serializer, minus the `client` that node-postgres attaches to its errors: a whole
 * connection object (settings, buffers, internal state) that would bury the message.
 */
function serializeError(error: Error): Record<string, unknown> {
  const { client: _client, ...serialized } = pino.stdSerializers.err(error) as Record<string, unknown>;
  return serialized;
}
