// Writing a note: create, or edit the version shown (If-Match). When someone changed it meanwhile
// (412), the newer version is shown and the person chooses: keep theirs, or overwrite it with theirs.
import { dataOrThrow, type NotesApiClient, ProblemError } from '@notes/api-client';
import { useState } from 'preact/hooks';
import { FailureAlert, Field } from './form-parts.tsx';
import { Modal } from './modal.tsx';
import type { Note } from './note-lists.ts';
import { describeFailure, type Failure } from './problems.ts';

interface NoteEditorProps {
  api: NotesApiClient;
  /** The note to edit; undefined for a new one. */
  note: Note | undefined;
  onSaved: (note: Note) => void;
  onClose: () => void;
}

interface Draft {
  title: string;
  content: string;
  tags: string;
  pinned: boolean;
  archived: boolean;
}

const draftOf = (note: Note | undefined): Draft => ({
  title: note?.title ?? '',
  content: note?.content ?? '',
  tags: note?.tags.join(', ') ?? '',
  pinned: note?.pinned ?? false,
  archived: note?.archived ?? false,
});

/** "work, #Ideas  todo" → ['work', '#Ideas', 'todo']: the API normalises each. */
const tagsOf = (text: string) => text.split(/[\s,]+/).filter((tag) => tag !== '');

export function NoteEditor({ api, note, onSaved, onClose }: NoteEditorProps) {
  const [draft, setDraft] = useState(() => draftOf(note));
  /** The version this edit replaces: the one shown, or the newer one the person chose to overwrite. */
  const [base, setBase] = useState(note);
  const [newer, setNewer] = useState<Note>();
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);
  // One key per new note: a retried create (a lost answer) does not create it twice.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const edit = (change: Partial<Draft>) => setDraft((current) => ({ ...current, ...change }));

  async function save(over: Note | undefined = base) {
    setBusy(true);
    setFailure(undefined);
    const body = { ...draft, tags: tagsOf(draft.tags) };
    try {
      const saved = over
        ? dataOrThrow(
            await api.PUT('/v1/notes/{id}', {
              params: { path: { id: over.id }, header: { 'if-match': `"${over.version}"` } },
              body,
            }),
          )
        : dataOrThrow(await api.POST('/v1/notes', { params: { header: { 'idempotency-key': idempotencyKey } }, body }));
      onSaved(saved);
    } catch (error) {
      setBusy(false);
      if (over && error instanceof ProblemError && error.status === 412) {
        const answer = await api.GET('/v1/notes/{id}', { params: { path: { id: over.id } } });
        if (answer.data) {
          setNewer(answer.data);
          return;
        }
      }
      if (over && error instanceof ProblemError && error.status === 404) {
        setFailure({ message: 'This note was deleted elsewhere.', fields: {}, retryable: false });
        return;
      }
      setFailure(describeFailure(error));
    }
  }

  function overwrite() {
    if (!newer) return;
    setBase(newer);
    setNewer(undefined);
    save(newer);
  }

  function takeNewer() {
    if (!newer) return;
    setBase(newer);
    setDraft(draftOf(newer));
    setNewer(undefined);
  }

  const fields = failure?.fields ?? {};
  const tagsError = Object.entries(fields).find(([field]) => field.startsWith('tags'))?.[1];
  return (
    <Modal titleId="editor-title" onClose={onClose}>
      <form
        class="editor"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <h2 id="editor-title">{note ? 'Edit note' : 'New note'}</h2>
        {newer && (
          <section class="conflict" role="alert" aria-labelledby="conflict-title">
            <h3 id="conflict-title">This note was changed elsewhere</h3>
            <p>The newer version (saved {new Date(newer.updated_at).toLocaleString()}):</p>
            <blockquote>
              <p class="conflict__title">{newer.title}</p>
              <p class="conflict__content">{newer.content}</p>
              {newer.tags.length > 0 && <p>{newer.tags.map((tag) => `#${tag}`).join(' ')}</p>}
            </blockquote>
            <div class="row">
              <button type="button" onClick={takeNewer}>
                Use the newer version
              </button>
              <button type="button" class="primary" onClick={overwrite}>
                Keep my changes
              </button>
            </div>
          </section>
        )}
        <FailureAlert failure={failure} onRetry={() => save()} />
        <Field id="note-title" label="Title" error={fields.title}>
          {(describedBy, invalid) => (
            <input
              id="note-title"
              required
              maxLength={200}
              value={draft.title}
              onInput={(event) => edit({ title: event.currentTarget.value })}
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <Field id="note-content" label="Content" error={fields.content}>
          {(describedBy, invalid) => (
            <textarea
              id="note-content"
              rows={8}
              value={draft.content}
              onInput={(event) => edit({ content: event.currentTarget.value })}
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <Field id="note-tags" label="Tags" hint="Separated by commas or spaces, e.g. work, ideas." error={tagsError}>
          {(describedBy, invalid) => (
            <input
              id="note-tags"
              value={draft.tags}
              onInput={(event) => edit({ tags: event.currentTarget.value })}
              aria-describedby={describedBy}
              aria-invalid={invalid}
            />
          )}
        </Field>
        <div class="row">
          <label class="check">
            <input
              type="checkbox"
              checked={draft.pinned}
              onChange={(event) => edit({ pinned: event.currentTarget.checked })}
            />
            Pinned
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={draft.archived}
              onChange={(event) => edit({ archived: event.currentTarget.checked })}
            />
            Archived
          </label>
        </div>
        <div class="row row--end">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || newer !== undefined}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
