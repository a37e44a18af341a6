// The signed-in screen: search as you type, tag chips, the pinned section, the notes a page at a
// time (infinite scroll), the archive view, live changes from other tabs and clients.
import { dataOrThrow, type NotesApiClient, ProblemError } from '@notes/api-client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { AccountDeletion } from './account-deletion.tsx';
import { FailureAlert } from './form-parts.tsx';
import { followChanges } from './live-changes.ts';
import { NoteEditor } from './note-editor.tsx';
import { applyChange, applySaved, type ListFilters, type Note, type NoteLists } from './note-lists.ts';
import { describeFailure, type Failure } from './problems.ts';
import type { BrowserSession } from './session.ts';

const pageSize = 20;
const searchDelayMs = 250;
const noLists: NoteLists = { pinned: [], others: [], nextCursor: null };

interface NotesScreenProps {
  session: BrowserSession;
  onSignedOut: () => void;
  onAccountDeleted: () => void;
}

function listQuery(filters: ListFilters) {
  return {
    ...(filters.q ? { q: filters.q } : {}),
    ...(filters.tags.length > 0 ? { tag: filters.tags } : {}),
    archived: filters.archived,
  };
}

export function NotesScreen({ session, onSignedOut, onAccountDeleted }: NotesScreenProps) {
  const { api } = session;
  const [filters, setFilters] = useState<ListFilters>({ q: '', tags: [], archived: false });
  const [searchText, setSearchText] = useState('');
  const [lists, setLists] = useState<NoteLists>(noLists);
  const [loading, setLoading] = useState(true);
  const [failure, setFailure] = useState<Failure>();
  const [tags, setTags] = useState<{ tag: string; count: number }[]>([]);
  const [editing, setEditing] = useState<Note | 'new'>();
  const [deletingAccount, setDeletingAccount] = useState(false);
  const [live, setLive] = useState<'live' | 'reconnecting'>('reconnecting');
  const [status, setStatus] = useState('');
  const filtersNow = useRef(filters);
  filtersNow.current = filters;
  const listsNow = useRef(lists);
  listsNow.current = lists;
  /** Answers to an older load are dropped: the filters changed since. */
  const loadNumber = useRef(0);

  async function load(next: ListFilters) {
    const mine = ++loadNumber.current;
    setLoading(true);
    setFailure(undefined);
    try {
      const query = listQuery(next);
      const [pinned, others] = await Promise.all([
        next.archived
          ? undefined
          : api.GET('/v1/notes', { params: { query: { ...query, pinned: true, limit: 100 } } }).then(dataOrThrow),
        api
          .GET('/v1/notes', {
            params: { query: { ...query, ...(next.archived ? {} : { pinned: false }), limit: pageSize } },
          })
          .then(dataOrThrow),
      ]);
      if (mine !== loadNumber.current) return;
      setLists({ pinned: pinned?.items ?? [], others: others.items, nextCursor: others.next_cursor ?? null });
    } catch (error) {
      if (mine === loadNumber.current) setFailure(describeFailure(error));
    } finally {
      if (mine === loadNumber.current) setLoading(false);
    }
  }

  async function loadMore() {
    const cursor = listsNow.current.nextCursor;
    if (cursor === null || loading) return;
    const mine = loadNumber.current;
    setLoading(true);
    try {
      const next = filtersNow.current;
      const page = dataOrThrow(
        await api.GET('/v1/notes', {
          params: {
            query: { ...listQuery(next), ...(next.archived ? {} : { pinned: false }), limit: pageSize, cursor },
          },
        }),
      );
      if (mine !== loadNumber.current) return;
      setLists((current) => {
        const known = new Set(current.others.map((note) => note.id));
        return {
          ...current,
          others: [...current.others, ...page.items.filter((note) => !known.has(note.id))],
          nextCursor: page.next_cursor ?? null,
        };
      });
    } catch (error) {
      setFailure(describeFailure(error));
    } finally {
      if (mine === loadNumber.current) setLoading(false);
    }
  }

  async function loadTags() {
    const answer = await api.GET('/v1/tags');
    if (answer.data) setTags(answer.data.items);
  }

  useEffect(() => {
    load(filters);
  }, [filters]);

  // Search as you type: the list follows the box once typing pauses.
  useEffect(() => {
    const q = searchText.trim().slice(0, 200);
    if (q === filters.q) return;
    const timer = setTimeout(() => setFilters((current) => ({ ...current, q })), searchDelayMs);
    return () => clearTimeout(timer);
  }, [searchText]);

  useEffect(() => {
    const stop = new AbortController();
    let tagsTimer: ReturnType<typeof setTimeout> | undefined;
    loadTags();
    followChanges(api, {
      signal: stop.signal,
      onStatus: setLive,
      onChange(change) {
        setLists((current) => applyChange(current, change, filtersNow.current));
        clearTimeout(tagsTimer);
        tagsTimer = setTimeout(loadTags, 300);
      },
    });
    return () => {
      stop.abort();
      clearTimeout(tagsTimer);
    };
  }, []);

  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = sentinel.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) loadMore();
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [lists.nextCursor, loading]);

  function saved(note: Note, message: string) {
    setLists((current) => applySaved(current, note, filtersNow.current));
    setStatus(message);
    loadTags();
  }

  /** A quick change (pin, archive) made with the version shown; a 412 shows the newer version instead. */
  async function patch(note: Note, body: { pinned?: boolean; archived?: boolean }, message: string) {
    setFailure(undefined);
    try {
      const updated = dataOrThrow(
        await api.PATCH('/v1/notes/{id}', {
          params: { path: { id: note.id }, header: { 'if-match': `"${note.version}"` } },
          body,
        }),
      );
      saved(updated, message);
    } catch (error) {
      if (error instanceof ProblemError && error.status === 412) {
        const newer = await currentNote(api, note.id);
        if (newer) saved(newer, `“${newer.title}” was changed elsewhere: this is its newest version. Try again.`);
        return;
      }
      setFailure(describeFailure(error));
    }
  }

  async function remove(note: Note) {
    if (!confirm(`Delete “${note.title}”?`)) return;
    setFailure(undefined);
    const answer = await api.DELETE('/v1/notes/{id}', { params: { path: { id: note.id } } });
    if (answer.response.ok || answer.response.status === 404) {
      setLists((current) =>
        applyChange(current, { op: 'delete', id: note.id, version: note.version + 1 }, filtersNow.current),
      );
      setStatus(`Deleted “${note.title}”.`);
      loadTags();
    } else {
      setFailure(describeFailure(new ProblemError(answer.response, answer.error)));
    }
  }

  function toggleTag(tag: string) {
    setFilters((current) => ({
      ...current,
      tags: current.tags.includes(tag) ? current.tags.filter((chosen) => chosen !== tag) : [...current.tags, tag],
    }));
  }

  async function signOut() {
    await session.signOut();
    onSignedOut();
  }

  const empty = !loading && lists.pinned.length === 0 && lists.others.length === 0;
  const card = (note: Note) => (
    <NoteCard
      key={note.id}
      note={note}
      onEdit={() => setEditing(note)}
      onPin={() => patch(note, { pinned: !note.pinned }, note.pinned ? 'Unpinned.' : 'Pinned.')}
      onArchive={() =>
        patch(note, { archived: !note.archived }, note.archived ? 'Restored from the archive.' : 'Archived.')
      }
      onDelete={() => remove(note)}
    />
  );

  return (
    <div class="notes-app">
      <header class="topbar">
        <h1>Notes</h1>
        <search class="search">
          <label for="search" class="visually-hidden">
            Search notes
          </label>
          <input
            id="search"
            type="search"
            placeholder="Search notes"
            maxLength={200}
            value={searchText}
            onInput={(event) => setSearchText(event.currentTarget.value)}
          />
        </search>
        <nav class="actions" aria-label="Account and views">
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            New note
          </button>
          <button
            type="button"
            aria-pressed={filters.archived}
            onClick={() => setFilters((current) => ({ ...current, archived: !current.archived }))}
          >
            Archive
          </button>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
          <button type="button" class="danger" onClick={() => setDeletingAccount(true)}>
            Delete account
          </button>
        </nav>
      </header>

      {tags.length > 0 && (
        <ul class="chips" aria-label="Filter by tag">
          {tags.map(({ tag, count }) => (
            <li key={tag}>
              <button
                type="button"
                class="chip"
                aria-pressed={filters.tags.includes(tag)}
                onClick={() => toggleTag(tag)}
              >
                #{tag} <span class="chip__count">{count}</span>
              </button>
            </li>
          ))}
        </ul>
      )}

      <p class="visually-hidden" role="status" aria-live="polite">
        {status}
      </p>
      <p class={`live live--${live}`}>{live === 'live' ? 'Live' : 'Connecting…'}</p>
      <FailureAlert failure={failure} onRetry={() => load(filters)} />

      <main aria-busy={loading}>
        {!filters.archived && lists.pinned.length > 0 && (
          <section aria-labelledby="pinned-title">
            <h2 id="pinned-title">Pinned</h2>
            <ul class="notes">{lists.pinned.map(card)}</ul>
          </section>
        )}
        <section aria-labelledby="notes-title">
          <h2 id="notes-title">{filters.archived ? 'Archive' : filters.q ? 'Search results' : 'Notes'}</h2>
          {empty && <p class="empty">{filters.q || filters.tags.length ? 'No notes match.' : 'No notes here yet.'}</p>}
          <ul class="notes">{lists.others.map(card)}</ul>
          {lists.nextCursor !== null && (
            <div ref={sentinel} class="more">
              <button type="button" onClick={loadMore} disabled={loading}>
                {loading ? 'Loading…' : 'Load more notes'}
              </button>
            </div>
          )}
        </section>
      </main>

      {editing !== undefined && (
        <NoteEditor
          api={api}
          note={editing === 'new' ? undefined : editing}
          onSaved={(note) => {
            saved(note, `Saved “${note.title}”.`);
            setEditing(undefined);
          }}
          onClose={() => setEditing(undefined)}
        />
      )}
      {deletingAccount && (
        <AccountDeletion
          api={api}
          onDeleted={async () => {
            await session.signOut();
            onAccountDeleted();
          }}
          onClose={() => setDeletingAccount(false)}
        />
      )}
    </div>
  );
}

/** The note as it is now, or undefined when it is gone. */
export async function currentNote(api: NotesApiClient, id: string): Promise<Note | undefined> {
  const answer = await api.GET('/v1/notes/{id}', { params: { path: { id } } });
  return answer.data;
}

interface NoteCardProps {
  note: Note;
  onEdit: () => void;
  onPin: () => void;
  onArchive: () => void;
  onDelete: () => void;
}

function NoteCard({ note, onEdit, onPin, onArchive, onDelete }: NoteCardProps) {
  const titleId = `note-${note.id}`;
  return (
    <li>
      <article class="note" aria-labelledby={titleId}>
        <h3 id={titleId}>{note.title}</h3>
        {note.content && <p class="note__content">{note.content}</p>}
        {note.tags.length > 0 && (
          <ul class="note__tags" aria-label="Tags">
            {note.tags.map((tag) => (
              <li key={tag}>#{tag}</li>
            ))}
          </ul>
        )}
        <div class="note__actions">
          <button type="button" onClick={onEdit} aria-label={`Edit “${note.title}”`}>
            Edit
          </button>
          <button type="button" onClick={onPin} aria-label={`${note.pinned ? 'Unpin' : 'Pin'} “${note.title}”`}>
            {note.pinned ? 'Unpin' : 'Pin'}
          </button>
          <button
            type="button"
            onClick={onArchive}
            aria-label={`${note.archived ? 'Restore' : 'Archive'} “${note.title}”`}
          >
            {note.archived ? 'Restore' : 'Archive'}
          </button>
          <button type="button" class="danger" onClick={onDelete} aria-label={`Delete “${note.title}”`}>
            Delete
          </button>
        </div>
      </article>
    </li>
  );
}
