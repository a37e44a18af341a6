import { inChildSpan } from '@notes/telemetry';
import { SpanKind } from '@opentelemetry/api';
import type { Pool, PoolClient } from './pool.ts';
import { combinedStatement, type Statement } from './statement.ts';
import { connectionAttributes, postgresTracer, tracedClient } from './tracing.ts';

/** What a repository needs to run SQL: a pool, or a transaction. */
export type Queryable = Pick<PoolClient, 'query'>;

/** One transaction: queries that answer now, and writes deferred to the transaction's next query or its end. */
export interface Transaction extends Queryable {
  /**
   * Queues a write whose result nobody needs (an INSERT of a new row, an outbox row). Queued writes
   * are sent, in order, before the transaction's next query and at its end; if it sends no query
   * at all, they are sent together as one statement, which is the whole transaction: no BEGIN, no
   * COMMIT, one round trip. They then run on one snapshot in no set order among them, so defer
   * only writes that do not depend on each other. A write that fails rejects withTransaction.
   */
  defer(write: Statement): void;
}

/**
 * Runs work in one transaction: committed when it resolves, rolled back when it throws. BEGIN is
 * sent with the first query, so work that only defers writes costs one round trip. Inside a
 * traced span, the transaction is a span of its own with a span per statement.
 */
export function withTransaction<T>(pool: Pool, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return inChildSpan(postgresTracer, 'transaction', { kind: SpanKind.INTERNAL }, async (span) => {
    if (span === undefined) return transaction(pool, (client) => client, work);
    const connection = connectionAttributes(pool.options.connectionString ?? '');
    span.setAttributes(connection);
    return transaction(pool, (client) => tracedClient(client, connection), work);
  });
}

async function transaction<T>(
  pool: Pool,
  wrap: (client: PoolClient) => Queryable,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const db = wrap(client);
  let begun = false;
  let deferred: Statement[] = [];
  const sendDeferred = async () => {
    const writes = deferred;
    deferred = [];
    for (const write of writes) await db.query(write);
  };
  const query = async (...args: Parameters<Queryable['query']>) => {
    if (!begun) {
      begun = true;
      await db.query('BEGIN');
    }
    await sendDeferred();
    return db.query(...args);
  };
  const tx: Transaction = {
    query: query as Queryable['query'],
    defer: (write) => {
      deferred.push(write);
    },
  };
  try {
    const result = await work(tx);
    if (begun) {
      await sendDeferred();
      await db.query('COMMIT');
    } else if (deferred.length > 0) {
      await db.query(combinedStatement(deferred));
    }
    return result;
  } catch (error) {
    if (begun) await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
