// Deleting the account: DELETE /v1/auth/me starts the DeleteUserSaga; its progress is read from
// GET /v1/sagas/{id} until it ends, and announced as it goes.
import { dataOrThrow, type NotesApiClient } from '@notes/api-client';
import { useEffect, useState } from 'preact/hooks';
import { FailureAlert } from './form-parts.tsx';
import { Modal } from './modal.tsx';
import { describeFailure, type Failure } from './problems.ts';

interface AccountDeletionProps {
  api: NotesApiClient;
  onDeleted: () => void;
  onClose: () => void;
}

const pollMs = 500;
const stateText: Record<string, string> = {
  RUNNING: 'Deleting…',
  COMPENSATING: 'Something failed; undoing the steps taken…',
  COMPLETED: 'Done: your account and notes are deleted.',
  COMPENSATED: 'The deletion was undone; your account is kept.',
  FAILED: 'The deletion failed. Please try again later.',
};

export function AccountDeletion({ api, onDeleted, onClose }: AccountDeletionProps) {
  const [sagaId, setSagaId] = useState<string>();
  const [progress, setProgress] = useState<{ state: string; step: string }[]>([]);
  const [failure, setFailure] = useState<Failure>();

  async function start() {
    setFailure(undefined);
    try {
      setSagaId(dataOrThrow(await api.DELETE('/v1/auth/me')).saga_id);
    } catch (error) {
      setFailure(describeFailure(error));
    }
  }

  useEffect(() => {
    if (sagaId === undefined) return;
    let timer: ReturnType<typeof setTimeout>;
    const poll = async () => {
      try {
        const saga = dataOrThrow(await api.GET('/v1/sagas/{id}', { params: { path: { id: sagaId } } }));
        setProgress((seen) => {
          const last = seen.at(-1);
          return last?.state === saga.state && last.step === saga.step
            ? seen
            : [...seen, { state: saga.state, step: saga.step }];
        });
        if (saga.state === 'COMPLETED') {
          timer = setTimeout(onDeleted, 1_000);
          return;
        }
        if (saga.state === 'COMPENSATED' || saga.state === 'FAILED') return;
      } catch (error) {
        setFailure(describeFailure(error));
      }
      timer = setTimeout(poll, pollMs);
    };
    poll();
    return () => clearTimeout(timer);
  }, [sagaId]);

  return (
    <Modal titleId="deletion-title" onClose={onClose}>
      <div class="deletion">
        <h2 id="deletion-title">Delete your account</h2>
        {sagaId === undefined ? (
          <>
            <p>This deletes your account and every note in it. It cannot be undone.</p>
            <FailureAlert failure={failure} onRetry={start} />
            <div class="row row--end">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="button" class="danger" onClick={start}>
                Delete my account
              </button>
            </div>
          </>
        ) : (
          <>
            <ol class="progress" aria-live="polite" aria-label="Deletion progress">
              {progress.map(({ state, step }) => (
                <li key={`${state}-${step}`}>
                  {stateText[state] ?? state} <span class="progress__step">({step || state.toLowerCase()})</span>
                </li>
              ))}
            </ol>
            <FailureAlert failure={failure} />
          </>
        )}
      </div>
    </Modal>
  );
}
