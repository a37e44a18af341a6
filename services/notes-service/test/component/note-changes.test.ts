// ListNoteChanges through the service's real gRPC port: the feed's messages, its validation and
// its errors as a client (the BFF) receives them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { ViolationsSchema } from '@bufbuild/protovalidate/gen/buf/validate/validate_pb.js';
import { type Client, Code, createClient } from '@connectrpc/connect';
import { NotesService } from '@notes/contracts/notes/v1';
import { createGrpcTransport } from '@notes/grpc';
import { testFixture } from '@notes/testkit';
import { composeNotesService } from '../../src/compose.ts';
import { testNotesConfig } from '../support/config.ts';
import { rejection } from '../support/rejection.ts';

const fixture = testFixture();
let notes: Client<typeof NotesService>;

before(async () => {
  const { url } = await fixture.database('notes_changes_component');
  const service = fixture.closeAfter(composeNotesService(testNotesConfig(url)), (running) => running.stop());
  const { port } = await service.start();
  notes = createClient(NotesService, createGrpcTransport(`http://127.0.0.1:${port}`, { tls: undefined }));
});

/** The code of a refused call and the fields its violations name. */
async function refusal(call: Promise<unknown>): Promise<{ code: Code; fields: string[] }> {
  const error = await rejection(call);
  const violations = error.findDetails(ViolationsSchema).flatMap((detail) => detail.violations);
  return { code: error.code, fields: violations.map((violation) => violation.field?.elements[0]?.fieldName ?? '') };
}

describe('ListNoteChanges', () => {
  test('a full sync, then the changes after its cursor: upserts with the whole note, deletions with the last version', async () => {
    const ownerId = randomUUID();
    const { note: kept } = await notes.createNote({ ownerId, title: 'kept', tags: ['Feed'] });
    const { note: gone } = await notes.createNote({ ownerId, title: 'gone' });
    assert.ok(kept && gone);

    const full = await notes.listNoteChanges({ ownerId, limit: 1 });
    assert.equal(full.hasMore, true);
    assert.deepEqual(
      full.changes.map((change) => change.change.case),
      ['upsert'],
    );
    const rest = await notes.listNoteChanges({ ownerId, cursor: full.nextCursor });
    assert.equal(rest.hasMore, false);
    assert.deepEqual(
      [...full.changes, ...rest.changes].map((change) => change.change.case === 'upsert' && change.change.value.id),
      [kept.id, gone.id],
    );
    assert.deepEqual(full.changes[0]?.change.value, kept, 'the whole note, as GetNote answers it');

    await notes.updateNote({ ownerId, noteId: kept.id, title: 'kept, renamed', content: '' });
    await notes.deleteNote({ ownerId, noteId: gone.id });
    const changes = await notes.listNoteChanges({ ownerId, cursor: rest.nextCursor });
    assert.deepEqual(
      changes.changes.map(({ change }) =>
        change.case === 'upsert'
          ? [change.value.title, change.value.version]
          : [change.case, change.value?.id, change.value?.version],
      ),
      [
        ['kept, renamed', 2n],
        ['delete', gone.id, 1n],
      ],
    );
    assert.equal(changes.nextCursor, changes.changes.at(-1)?.cursor);
  });

  test('refuses a limit beyond 500 or a cursor that does not decode, INVALID_ARGUMENT naming the field', async () => {
    const ownerId = randomUUID();
    assert.deepEqual(await refusal(notes.listNoteChanges({ ownerId, limit: 501 })), {
      code: Code.InvalidArgument,
      fields: ['limit'],
    });
    assert.deepEqual(await refusal(notes.listNoteChanges({ ownerId, cursor: 'bm9wZQ' })), {
      code: Code.InvalidArgument,
      fields: ['cursor'],
    });
  });
});
