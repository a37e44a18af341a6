import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { createTestDatabase, type TestDatabase, testKafkaBrokers } from './database.ts';
import { collectEvents, type EventCollector } from './kafka.ts';

/**
 * What a test file (or a suite) opens against the test PostgreSQL and Kafka, closed once its tests
 * are done: in the reverse order of opening, each once, also when a before() failed half-way.
 */
export interface TestFixture {
  /** Keeps resource, to be closed by close(resource) after the tests; returns it. */
  closeAfter<T>(resource: T, close: (resource: T) => Promise<unknown>): T;
  /** A fresh database (createTestDatabase), dropped after the tests. */
  database(prefix: string): Promise<TestDatabase>;
  /**
   * The messages of topic from the earliest offset whose key passes keep, in a consumer group of
   * its own on the test broker (collectEvents); closed after the tests.
   */
  collect(topic: string, keep: (key: string) => boolean): Promise<EventCollector>;
}

/** A fixture whose resources are closed in an after() of the file or suite that calls this. */
export function testFixture(): TestFixture {
  const opened: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of opened.splice(0).reverse()) await close();
  });
  const fixture: TestFixture = {
    closeAfter(resource, close) {
      opened.push(() => close(resource));
      return resource;
    },
    async database(prefix) {
      return fixture.closeAfter(await createTestDatabase(prefix), (database) => database.drop());
    },
    async collect(topic, keep) {
      const collector = await collectEvents({ brokers: testKafkaBrokers(), topic, keep });
      return fixture.closeAfter(collector, (opened) => opened.close());
    },
  };
  return fixture;
}

/** A saga command as the orchestrator sends it (aggregate and correlation: the saga), a new event id per send. */
export function sagaCommand(
  sagaId: string,
  type: string,
  payload: Uint8Array,
): {
  eventId: string;
  aggregateId: string;
  correlationId: string;
  type: string;
  occurredAt: Date;
  payload: Uint8Array;
} {
  return { eventId: randomUUID(), aggregateId: sagaId, correlationId: sagaId, type, occurredAt: new Date(), payload };
}
