import { join } from 'node:path';
import { loadConfig } from '@notes/config';
import { type WithGrpcTls, withGrpcTls } from '@notes/grpc';
import { type WithKafkaConnection, withKafkaConnection } from '@notes/kafka';
import { grpcServiceEnvBindings, grpcServiceSettings } from '@notes/service-main';
import { type Static, Type } from 'typebox';

export const NotesConfigSchema = Type.Object({
  ...grpcServiceSettings,
  saga: Type.Object(
    {
      // Carry out the saga commands addressed to notes-service (saga.commands, group
      // kafka.consumerGroup); false keeps this process out of the group (tests, tools).
      consumer: Type.Boolean({ default: true }),
    },
    { default: {} },
  ),
  changeFeed: Type.Object(
    {
      // How long a deleted note's marker stays in the change feed; the contract's floor is 30 days.
      deletionRetentionDays: Type.Integer({ minimum: 30, default: 30 }),
      // How often the deletions past it are purged (every replica purges; chunks skip each other's rows).
      purgeEveryMinutes: Type.Integer({ minimum: 1, default: 60 }),
    },
    { default: {} },
  ),
  idempotencyKeys: Type.Object(
    {
      // Keys hold 24 hours; every this often the expired ones are deleted, chunkSize rows per statement.
      purgeIntervalSeconds: Type.Integer({ minimum: 1, default: 3600 }),
      purgeChunkSize: Type.Integer({ minimum: 1, default: 1000 }),
    },
    { default: {} },
  ),
});

/** The settings once loaded: grpcTls holds PEM texts, undefined when plaintext. */
export type NotesConfig = WithKafkaConnection<WithGrpcTls<Static<typeof NotesConfigSchema>>>;

/** Environment variable → setting it overrides. */
export const notesEnvBindings = {
  ...grpcServiceEnvBindings('NOTES'),
  SAGA_CONSUMER: 'saga.consumer',
  CHANGE_FEED_DELETION_RETENTION_DAYS: 'changeFeed.deletionRetentionDays',
  IDEMPOTENCY_KEYS_PURGE_INTERVAL_SECONDS: 'idempotencyKeys.purgeIntervalSeconds',
};

/**
 * config.yaml, then the environment, then overrides (dotted paths, for tests). Throws a
 * ConfigError naming the first bad setting.
 */
export function loadNotesConfig(
  env: Record<string, string | undefined>,
  overrides?: Record<string, unknown>,
): NotesConfig {
  return withKafkaConnection(
    withGrpcTls(
      loadConfig({
        schema: NotesConfigSchema,
        file: join(import.meta.dirname, '..', 'config.yaml'),
        env,
        envBindings: notesEnvBindings,
        overrides,
      }),
    ),
  );
}
