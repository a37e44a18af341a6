// The search and filter figures: one user with 100,000 notes (seed.ts), GET /v1/notes with q (two
// words), with tag= and with pinned=true, each at 16 connections beside pgbench running the same
// statement on the same notes, in the same database.
import { runLoad } from '../load.ts';
import { type MeasuredFigure, measured } from '../measure.ts';
import { runPgbench } from '../pgbench.ts';
import { signIn, signUp } from '../users.ts';
import { searchSeed, seedSearchNotes } from './seed.ts';

export type SearchPath = 'search' | 'tag' | 'pinned';

export const searchPathLabels: Record<SearchPath, string> = {
  search: `GET /v1/notes?q=${searchSeed.q}`,
  tag: `GET /v1/notes?tag=${searchSeed.tag}`,
  pinned: 'GET /v1/notes?pinned=true',
};

export interface SearchResult {
  path: SearchPath;
  connections: number;
  platform: MeasuredFigure;
  /** pgbench, the same statement on the same notes. */
  ceiling: MeasuredFigure;
}

const connections = 16;
const requests: Record<SearchPath, { query: string; script: string; variables: Record<string, string> }> = {
  search: {
    query: `q=${encodeURIComponent(searchSeed.q)}`,
    script: 'search-notes.sql',
    variables: { query: searchSeed.tsquery },
  },
  tag: { query: `tag=${searchSeed.tag}`, script: 'list-tag.sql', variables: { tags: `{${searchSeed.tag}}` } },
  pinned: { query: 'pinned=true', script: 'list-pinned.sql', variables: { pinned: 'true' } },
};

/** Seeds a new user's notes into notes-service's database, then measures each path and its ceiling. */
export async function measureSearch(options: {
  bffUrl: string;
  notesDatabaseUrl: string;
  pgbench: string;
  seconds: number;
  warmUpSeconds: number;
  log: (line: string) => void;
}): Promise<SearchResult[]> {
  const { bffUrl, notesDatabaseUrl, seconds, warmUpSeconds, log } = options;
  const email = `bench-search-${Date.now()}@example.com`;
  const { userId } = await signUp(bffUrl, email);
  log(`search: seeding ${searchSeed.notes.toLocaleString('en-US')} notes`);
  await seedSearchNotes(notesDatabaseUrl, userId);
  const token = await signIn(bffUrl, email);
  const results: SearchResult[] = [];
  for (const path of ['search', 'tag', 'pinned'] as const) {
    const { query, script, variables } = requests[path];
    log(`${searchPathLabels[path]} at ${connections} connections`);
    const target = {
      origin: bffUrl,
      method: 'GET' as const,
      next: () => ({ path: `/v1/notes?${query}`, headers: { authorization: `Bearer ${token}` } }),
    };
    await runLoad(target, { connections, seconds: warmUpSeconds });
    const platform = await measured(() => runLoad(target, { connections, seconds }));
    const pgbench = {
      url: notesDatabaseUrl,
      pgbench: options.pgbench,
      script,
      variables: { owner: userId, archived: 'false', limit: 21, ...variables },
      // notes-service plans a search with its values each time (an unnamed statement); lists are prepared.
      protocol: path === 'search' ? ('extended' as const) : ('prepared' as const),
      connections,
    };
    await runPgbench({ ...pgbench, seconds: warmUpSeconds });
    const ceiling = await measured(() => runPgbench({ ...pgbench, seconds }));
    results.push({ path, connections, platform, ceiling });
  }
  return results;
}
