import type { Client } from '@connectrpc/connect';
import type { NotesService } from '@notes/contracts/notes/v1';
import type { Registry } from 'prom-client';
import type { ReadChangeFeed } from '../change-streams/change-feed.ts';
import { type ChangeStreamSettings, OpenChangeStreams } from '../change-streams/open-streams.ts';
import { createChangeStreamTelemetry } from '../change-streams/telemetry.ts';
import { changeBody } from './routes/note-changes.ts';

type ChangeFeedClient = Pick<Client<typeof NotesService>, 'listNoteChanges'>;

/** The feed as notes-service serves it (ListNoteChanges), `pageSize` changes at a time. */
function readChangeFeed(
  notesClient: ChangeFeedClient,
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

/** The change streams of a BFF, reading notes-service's feed and reporting in `registry`. */
export function createOpenChangeStreams(options: {
  settings: ChangeStreamSettings & { pageSize: number };
  notesClient: ChangeFeedClient;
  timeoutMs: number;
  registry: Registry;
}): OpenChangeStreams {
  const { settings, notesClient, timeoutMs, registry } = options;
  return new OpenChangeStreams({
    settings,
    read: readChangeFeed(notesClient, { pageSize: settings.pageSize, timeoutMs }),
    telemetry: createChangeStreamTelemetry(registry),
  });
}
