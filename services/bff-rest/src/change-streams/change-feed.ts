import type { SpanContext } from '@opentelemetry/api';

/** One change of the caller's feed, ready to send: the change object as JSON, and the cursor after it. */
export interface FeedChange {
  cursor: string;
  json: string;
}

/** A page of the change feed (GET /v1/notes/changes) as a stream sends it. */
export interface ChangeFeedPage {
  changes: FeedChange[];
  /** Where the next read starts; newer than the last change's cursor when the page ends early. */
  nextCursor: string;
  hasMore: boolean;
}

/** Reads the owner's changes after `cursor` (all their notes without one), as the pull feed does; `signal` abandons the read. */
export type ReadChangeFeed = (
  ownerId: string,
  cursor: string | undefined,
  signal?: AbortSignal,
) => Promise<ChangeFeedPage>;

/** A note of `ownerId` changed: the event that says so, as a stream needs to know it. */
export interface NoteChangeSignal {
  ownerId: string;
  /** When the change was committed (the event's occurred_at): where write-to-delivery latency starts. */
  occurredAt: Date;
  /** The write's trace, which the delivery span links to; undefined when the event carried none. */
  trace?: SpanContext;
}

/** Why a stream ended, as its last event tells the client (which then reconnects with its last id). */
export type CloseReason = 'token-expired' | 'slow-client' | 'shutting-down' | 'upstream-unavailable' | 'client-gone';
