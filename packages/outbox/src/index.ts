export { appendToOutbox } from './append.ts';
export { createOutboxMetrics, type OutboxRelayMetrics } from './metrics.ts';
export { outboxChannel, outboxLaneLockKey, outboxLanes, outboxMigrations } from './migrations.ts';
export { createOutboxNotifier, type OutboxNotifier, type OutboxNotifierOptions } from './notifier.ts';
export {
  type ConsumerGroupRecords,
  createDeliveryReconciliationMetrics,
  type DeliveryReconciliationMetrics,
  type DeliveryReconciliationOptions,
  findUnprocessedEvents,
  type PublishedEventsSource,
  type UnprocessedEvent,
} from './reconciliation.ts';
export { createOutboxRelay, type OutboxRelay, type OutboxRelayOptions } from './relay.ts';
export { type PurgeOptions, purgeSentOutboxRows, sentRowsRetention } from './retention.ts';
export { createServiceOutbox, type ServiceOutbox, type ServiceOutboxOptions } from './service-outbox.ts';
