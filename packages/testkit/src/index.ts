export {
  createTestDatabase,
  createTestRole,
  type TestDatabase,
  type TestRole,
  testKafkaBrokers,
  testPostgresUrl,
} from './database.ts';
export { type EventStreamReader, openEventStream, type ServerSentEvent } from './event-stream.ts';
export { sagaCommand, type TestFixture, testFixture } from './fixture.ts';
export { type CollectEventsOptions, collectEvents, type EventCollector, type ReceivedEvent } from './kafka.ts';
export { exitOf, logLine, runMain } from './main-process.ts';
