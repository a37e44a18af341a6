import type { Logger } from '@notes/logger';
import type { Queryable } from '@notes/postgres';
import { outboxChannel } from './migrations.ts';

export interface OutboxNotifierOptions {
  /** At most one NOTIFY per window (default 10 ms): the first call notifies at once, later ones once at the window's end. */
  windowMs?: number;
  /** The relay of this process, if it runs one: nudged at once on every call (no database round trip). */
  relay?: { nudge(): void };
  logger?: Logger;
}

export interface OutboxNotifier {
  /** Call after each committed transaction that appended to the outbox (never inside it). */
  afterCommit(): void;
  /** Sends a NOTIFY still owed and waits for the ones in flight. */
  close(): Promise<void>;
}

/**
 * Wakes the relays after a commit: this process's relay directly, every relay on the database
 * (other replicas, a stand-alone relay) through `NOTIFY outbox` sent on its own, after the
 * business transaction. Debounced: under load, one NOTIFY per window however many commits
 * (a NOTIFY inside the business transaction would serialise every commit on PostgreSQL's
 * notification queue lock: see packages/outbox/README.md for the measurement).
 * Every call is followed by a NOTIFY sent after it, so no wake-up is lost; a failed NOTIFY is
 * logged and covered by the relays' poll.
 */
export function createOutboxNotifier(pool: Queryable, options: OutboxNotifierOptions = {}): OutboxNotifier {
  const windowMs = options.windowMs ?? 10;
  let window: NodeJS.Timeout | undefined;
  let owed = false;
  let closed = false;
  const inFlight = new Set<Promise<void>>();

  function send(): void {
    const sending = pool.query(`NOTIFY ${outboxChannel}`).then(
      () => undefined,
      (error: unknown) => options.logger?.warn({ err: error }, 'NOTIFY outbox failed; the relays will poll'),
    );
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
  }

  function windowEnded(): void {
    window = undefined;
    if (!owed) return;
    owed = false;
    send();
    window = setTimeout(windowEnded, windowMs);
  }

  return {
    afterCommit() {
      options.relay?.nudge();
      if (closed) return;
      if (window !== undefined) {
        owed = true;
        return;
      }
      send();
      window = setTimeout(windowEnded, windowMs);
    },
    async close() {
      closed = true;
      clearTimeout(window);
      window = undefined;
      if (owed) {
        owed = false;
        send();
      }
      await Promise.all(inFlight);
    },
  };
}
