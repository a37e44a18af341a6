import { inChildSpan } from '@notes/telemetry';
import { SpanKind } from '@opentelemetry/api';
import type { Pool, PoolClient } from './pool.ts';
import { connectionAttributes, postgresTracer, tracedClient } from './tracing.ts';

/** What a repository needs to run SQL: a pool, or a client inside a transaction. */
export type Queryable = Pick<PoolClient, 'query'>;

/**
 * Runs work in one transaction: committed when it resolves, rolled back when it throws. Inside a
 * traced span, the transaction is a span of its own with a span per statement.
 */
export function withTransaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  return inChildSpan(postgresTracer, 'transaction', { kind: SpanKind.INTERNAL }, async (span) => {
    if (span === undefined) return transaction(pool, work);
    const connection = connectionAttributes(pool.options.connectionString ?? '');
    span.setAttributes(connection);
    return transaction(pool, (client) => work(tracedClient(client, connection)));
  });
}

async function transaction<T>(pool: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
