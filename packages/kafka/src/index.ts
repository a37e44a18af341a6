export {
  type KafkaConnection,
  type KafkaSecuritySettings,
  kafkaConnection,
  kafkaConnectionFromEnv,
  kafkaSaslMechanisms,
  kafkaSecurityEnvBindings,
  kafkaSecuritySettings,
  type WithKafkaConnection,
  withKafkaConnection,
} from './connection.ts';
export {
  backoffDelay,
  type ConsumedEvent,
  decodeConsumedEvent,
  defaultRetryPolicy,
  type EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type RetryPolicy,
  retrySchedule,
  startEventConsumer,
  UndecodableEventError,
} from './consumer.ts';
export {
  createDeadLetterPublisher,
  type DeadLetterPublisher,
  type DeadLetterPublisherOptions,
  type DeadLetterSender,
  deadLetterRecord,
  dlqHeaders,
  type RawHeader,
  type RawRecord,
  readDeadLetterHeaders,
} from './dlq.ts';
export { decodeEnvelope, type Event, type EventRecord, encodeEvent } from './envelope.ts';
export { createKafkaMetrics, type KafkaMetrics, type LagSource } from './metrics.ts';
export { createKafkaProbe, type KafkaProbe } from './probe.ts';
export {
  handleOnce,
  type IdempotentHandlerOptions,
  idempotentHandler,
  type ProcessedEventsRetention,
  type ProcessedEventsRetentionOptions,
  processedEventsMigrations,
  purgeProcessedEvents,
  startProcessedEventsRetention,
  type TransactionalEffects,
} from './processed-events.ts';
export { createEventProducer, type EventProducer, type EventProducerOptions } from './producer.ts';
