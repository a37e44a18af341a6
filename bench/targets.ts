// What is measured on the notes paths: the HTTP requests (spread over the bench users and their
// notes) and, for each, the pgbench script with the same SQL, on data of the same shape.

import type { LoadTarget } from './load.ts';
import type { BenchUser } from './users.ts';

export type NotesPath = 'create' | 'list' | 'get' | 'changes';
export const notesPaths: readonly NotesPath[] = ['create', 'list', 'get', 'changes'];

/**
 * Changes per page of the change-feed figure: the notes seed-notes.sql gives each pgbench owner
 * (seededNotes ÷ users), fewer than a bench user has by then. 1,000 changes are four such pages.
 */
const changesPerPage = 250;

export const pathLabels: Record<NotesPath, string> = {
  create: 'POST /v1/notes',
  list: 'GET /v1/notes',
  get: 'GET /v1/notes/{id}',
  changes: `GET /v1/notes/changes (${changesPerPage})`,
};

export const ceilingScripts: Record<NotesPath, string> = {
  create: 'create-note.sql',
  list: 'list-notes.sql',
  get: 'get-note.sql',
  changes: 'list-changes.sql',
};

const note = { title: 'benchmark note', content: 'x'.repeat(200) };
// NoteCreated of two UUIDs (2 × (2 + 36) bytes): what notes-service puts in the outbox row.
const eventPayloadBytes = 76;

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
}

const bearer = (user: BenchUser) => ({ authorization: `Bearer ${user.token}` });

/** The request of a path, each from a random user (a random one of their notes for `get`). */
export function notesTarget(bffUrl: string, users: readonly BenchUser[], path: NotesPath): LoadTarget {
  switch (path) {
    case 'create':
      return {
        origin: bffUrl,
        method: 'POST',
        body: JSON.stringify(note),
        next: () => ({ path: '/v1/notes', headers: bearer(pick(users)) }),
      };
    case 'list':
      return { origin: bffUrl, method: 'GET', next: () => ({ path: '/v1/notes', headers: bearer(pick(users)) }) };
    case 'changes':
      return {
        origin: bffUrl,
        method: 'GET',
        next: () => ({ path: `/v1/notes/changes?limit=${changesPerPage}`, headers: bearer(pick(users)) }),
      };
    case 'get':
      return {
        origin: bffUrl,
        method: 'GET',
        next: () => {
          const user = pick(users);
          return { path: `/v1/notes/${pick(user.noteIds)}`, headers: bearer(user) };
        },
      };
  }
}

export function helloTarget(helloUrl: string): LoadTarget {
  return { origin: helloUrl, method: 'GET', next: () => ({ path: '/' }) };
}

/** The pgbench variables of every script (bench/pgbench/*.sql). */
export function ceilingVariables(options: { users: number; seededNotes: number }): Record<string, string | number> {
  return {
    users: options.users,
    seeded: options.seededNotes,
    title: note.title,
    content: note.content,
    payload: `\\x${'0a'.repeat(eventPayloadBytes)}`,
  };
}
