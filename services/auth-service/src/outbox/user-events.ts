import { create, toBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema, UserDeletedSchema } from '@notes/contracts/common/v1';
import { eventTypes, topics } from '@notes/contracts/names';
import type { Event } from '@notes/kafka';
import { appendToOutbox } from '@notes/outbox';
import type { Transaction } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import type { Clock, UserEvents } from '../app/ports.ts';

export interface UserEventsOptions {
  /** occurred_at of every event: the clock's now when it is recorded. */
  clock: Clock;
  /** A new event id; UUIDv7 by default (time-ordered). */
  newEventId?: () => string;
}

/**
 * A user's events written to the outbox in tx, the transaction that changes the user: each becomes
 * one outbox row (topic auth.events, aggregate = the user id, payload the binary
 * common.v1.UserCreated / UserDeleted), a deferred write of tx, that the relay publishes once the
 * transaction has committed.
 */
export function createUserEvents(tx: Transaction, options: UserEventsOptions): UserEvents {
  const newEventId = options.newEventId ?? (() => uuidv7());

  async function append(userId: string, type: string, payload: Uint8Array): Promise<void> {
    const event: Event = {
      eventId: newEventId(),
      aggregateId: userId,
      type,
      occurredAt: options.clock.now(),
      payload,
    };
    appendToOutbox(tx, topics.authEvents, [event]);
  }

  return {
    userCreated(user) {
      const payload = create(UserCreatedSchema, { userId: user.id, email: user.email });
      return append(user.id, eventTypes.UserCreated, toBinary(UserCreatedSchema, payload));
    },
    userDeleted(userId) {
      const payload = create(UserDeletedSchema, { userId });
      return append(userId, eventTypes.UserDeleted, toBinary(UserDeletedSchema, payload));
    },
  };
}
