import { inChildSpan } from '@notes/telemetry';
import { type Attributes, SpanKind, trace } from '@opentelemetry/api';
import type { PoolClient } from 'pg';

export const postgresTracer = trace.getTracer('@notes/postgres');

/** Longer statements (a multi-row INSERT) are cut: the shape is what a trace needs. */
const maxStatementLength = 2_048;

type Query = (...args: unknown[]) => unknown;

/**
 * A query function that runs each statement in a CLIENT span, when there is a traced span to hang it
 * under: db.system postgresql, the statement text (parameters are $n placeholders, so no values).
 * Callback and submittable (cursor) calls pass through untraced.
 */
export function tracedQuery(query: Query, connection: Attributes): Query {
  return (...args) => {
    const first = args[0] as { text?: unknown; submit?: unknown } | string | undefined;
    const text = typeof first === 'string' ? first : first?.text;
    if (
      typeof text !== 'string' ||
      typeof args.at(-1) === 'function' ||
      (typeof first === 'object' && typeof first.submit === 'function')
    ) {
      return query(...args);
    }
    return inChildSpan(
      postgresTracer,
      operationOf(text),
      { kind: SpanKind.CLIENT, attributes: { ...connection, 'db.query.text': text.slice(0, maxStatementLength) } },
      () => query(...args) as Promise<unknown>,
    );
  };
}

/** The span's name: the statement's first keyword (SELECT, INSERT, WITH, ...). */
function operationOf(text: string): string {
  return /^\s*([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? 'SQL';
}

/** A transaction's client whose statements are traced (only while a span records: see withTransaction). */
export function tracedClient(client: PoolClient, connection: Attributes): PoolClient {
  const query = tracedQuery(client.query.bind(client) as Query, connection);
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return query;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The attributes every statement on one database carries. */
export function connectionAttributes(dsn: string): Attributes {
  const attributes: Attributes = { 'db.system': 'postgresql', 'db.system.name': 'postgresql' };
  try {
    const url = new URL(dsn);
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (database !== '') attributes['db.namespace'] = database;
    if (url.hostname !== '') attributes['server.address'] = url.hostname;
  } catch {
    // A key=value connection string: the database is not named on the spans.
  }
  return attributes;
}
