// Form pieces every screen uses: labelled fields whose error sits next to them (and is announced),
// and the alert that says what went wrong with a request.
import type { JSX } from 'preact';
import type { Failure } from './problems.ts';

interface FieldProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  children: (describedBy: string | undefined, invalid: boolean) => JSX.Element;
}

export function Field({ id, label, error, hint, children }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children(describedBy, error !== undefined)}
      {hint && (
        <p class="field__hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field__error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

export function FailureAlert({ failure, onRetry }: { failure: Failure | undefined; onRetry?: () => void }) {
  if (failure === undefined) return null;
  return (
    <div class="alert" role="alert">
      <p>{failure.message}</p>
      {failure.retryable && onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
