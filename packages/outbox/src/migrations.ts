import { join } from 'node:path';

/**
 * The outbox's own migration set, recorded in its own table so its versions never collide with
 * the service's: `migrate({ pool, direction, ...outboxMigrations })` after the service's own.
 */
export const outboxMigrations: { readonly directory: string; readonly table: string } = {
  directory: join(import.meta.dirname, '..', 'migrations'),
  table: 'outbox_migrations',
};

/**
 * How many lanes the outbox table hashes aggregates into (its generated `lane` column,
 * migrations/0001_outbox.up.sql). A property of the schema, not of a relay: every relay on a
 * table must work the same lanes, or some rows would never be published.
 */
export const outboxLanes = 16;

/** The NOTIFY channel the relays LISTEN on. */
export const outboxChannel = 'outbox';

/**
 * The first key of the relays' two-key advisory locks (the second is the lane). Next to
 * @notes/postgres's migration lock key (72_616_001).
 */
export const outboxLaneLockKey = 72_616_002;
