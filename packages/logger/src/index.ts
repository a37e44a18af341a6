import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level: string;
  /** Where lines go; standard output by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** JSON lines with the service name; credentials are redacted wherever they appear. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError },
      redact: {
        paths: [
          'password',
          '*.password',
          'refresh_token',
          '*.refresh_token',
          'access_token',
          '*.access_token',
          'req.headers.authorization',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}

/**
 * pino's error serializer, minus the `client` that node-postgres attaches to its errors: a whole
 * connection object (settings, buffers, internal state) that would bury the message.
 */
function serializeError(error: Error): Record<string, unknown> {
  const { client: _client, ...serialized } = pino.stdSerializers.err(error) as Record<string, unknown>;
  return serialized;
}
