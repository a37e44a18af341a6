import type { Client } from '@connectrpc/connect';
import type { NoteChange, NotesService } from '@notes/contracts/notes/v1';
import type { SpanContext } from '@opentelemetry/api';
import { noteBody } from '../routes/notes.ts';

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

/** A change as the API shows it: `{"op":"upsert","note":…}` or `{"op":"delete","id":…,"version":…}`. */
export function changeBody({ change }: NoteChange) {
  switch (change.case) {
    case 'upsert':
      return { op: 'upsert' as const, note: noteBody(change.value) };
    case 'delete':
      return { op: 'delete' as const, id: change.value.id, version: Number(change.value.version) };
    default:
      throw new Error('upstream change without an upsert or a delete');
  }
}

/** The feed as notes-service serves it (ListNoteChanges), `pageSize` changes at a time. */
export function readChangeFeed(
  notesClient: Pick<Client<typeof NotesService>, 'listNoteChanges'>,
  { pageSize, timeoutMs }: { pageSize: number; timeoutMs: number },
): ReadChangeFeed {
  return async (ownerId, cursor, signal) => {
    const page = await notesClient.listNoteChanges(
      { ownerId, cursor: cursor ?? '', limit: pageSize },
      { timeoutMs, ...(signal === undefined ? {} : { signal }) },
    );
    return {
      changes: page.changes.map((change) => ({ cursor: change.cursor, json: JSON.stringify(changeBody(change)) })),
      nextCursor: page.nextCursor,
      hasMore: page.hasMore,
    };
  };
}
