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
export { type ConsumedEvent, decodeConsumedEvent, type EventHandler, UndecodableEventError } from './consumed-event.ts';
export { startEventConsumer } from './consumer.ts';
export {
  defaultGroupProtocol,
  type EventConsumer,
  type EventConsumerOptions,
  type GroupProtocol,
  groupProtocols,
} from './consumer-options.ts';
export {
  createDeadLetterPublisher,
  createRawPublisher,
  type DeadLetterPublisher,
  type DeadLetterPublisherOptions,
  type DeadLetterSender,
  deadLetterRecord,
  dlqHeaders,
  type RawHeader,
  type RawPublisher,
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
  processedEventsMigrations,
  processedEventsWindowMs,
  purgeProcessedEvents,
  type TransactionalEffects,
} from './processed-events.ts';
export { createEventProducer, type EventProducer, type EventProducerOptions } from './producer.ts';
export { backoffDelay, defaultRetryPolicy, type RetryPolicy, retrySchedule } from './retry-policy.ts';
