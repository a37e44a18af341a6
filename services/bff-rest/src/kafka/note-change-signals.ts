import { fromBinary } from '@bufbuild/protobuf';
import { NoteCreatedSchema, NoteDeletedSchema, NoteUpdatedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import {
  type ConsumedEvent,
  createDeadLetterPublisher,
  type EventConsumer,
  type KafkaConnection,
  startEventConsumer,
} from '@notes/kafka';
import type { Logger } from '@notes/logger';
import { trace } from '@opentelemetry/api';
import type { NoteChangeSignal } from '../change-streams/change-feed.ts';

/** Whose note an event of notes.events is about, by event type; other types say nothing to a stream. */
const ownerOf: Record<string, (payload: Uint8Array) => string> = {
  [eventTypes.NoteCreated]: (payload) => fromBinary(NoteCreatedSchema, payload).ownerId,
  [eventTypes.NoteUpdated]: (payload) => fromBinary(NoteUpdatedSchema, payload).ownerId,
  [eventTypes.NoteDeleted]: (payload) => fromBinary(NoteDeletedSchema, payload).ownerId,
};

/** The signal a note event gives the streams, or undefined for an event of another kind. */
export function noteChangeSignal(event: ConsumedEvent): NoteChangeSignal | undefined {
  const owner = ownerOf[event.type];
  if (owner === undefined) return undefined;
  // The handler runs in the event's consume span, a child of the write's trace.
  return { ownerId: owner(event.payload), occurredAt: event.occurredAt, trace: trace.getActiveSpan()?.spanContext() };
}

export interface NoteChangeSignalsOptions {
  brokers: string;
  connection: KafkaConnection;
  /** This replica's own group: every replica must read every event, since any may hold the owner's streams. */
  groupId: string;
  logger: Logger;
  onSignal: (signal: NoteChangeSignal) => void;
}

/**
 * Reads notes.events in this replica's own group, from the newest event on, and hands each note
 * change to onSignal. Nothing is lost when a signal is: streams read the feed after their cursor.
 */
export function startNoteChangeSignals(options: NoteChangeSignalsOptions): EventConsumer {
  const clientId = 'bff-rest';
  const deadLetter = createDeadLetterPublisher({ brokers: options.brokers, connection: options.connection, clientId });
  const consumer = startEventConsumer({
    brokers: options.brokers,
    connection: options.connection,
    groupId: options.groupId,
    clientId,
    topics: [topics.notesEvents],
    startAt: 'latest',
    // A signal only wakes streams, and one seen twice costs a spare read: a commit round trip per
    // event would bound the signals' rate (and a change's latency) more than anything else.
    awaitCommits: false,
    logger: options.logger,
    deadLetter,
    async handler(event) {
      const signal = noteChangeSignal(event);
      if (signal !== undefined) options.onSignal(signal);
    },
  });
  return {
    ready: consumer.ready,
    async stop() {
      await consumer.stop();
      await deadLetter.close();
    },
  };
}
