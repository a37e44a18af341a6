import { join } from 'node:path';

/**
 * The sagas and saga_steps tables' migrations, recorded in their own table so their versions never
 * collide with the service's: `migrate({ pool, direction, ...sagaMigrations })`.
 */
export const sagaMigrations: { readonly directory: string; readonly table: string } = {
  directory: join(import.meta.dirname, '..', 'migrations'),
  table: 'saga_migrations',
};
