// The app's screens by session state: starting (a refresh with the cookie), signed out (sign in or
// up), signed in (the notes), and the account just deleted.
import { dataOrThrow } from '@notes/api-client';
import { useEffect, useState } from 'preact/hooks';
import { FailureAlert, Field } from './form-parts.tsx';
import { NotesScreen } from './notes-screen.tsx';
import { describeFailure, type Failure } from './problems.ts';
import type { BrowserSession } from './session.ts';

type Screen = 'starting' | 'signed-out' | 'signed-in' | 'deleted';

export function App({ session }: { session: BrowserSession }) {
  const [screen, setScreen] = useState<Screen>('starting');
  const [failure, setFailure] = useState<Failure>();
  const start = () => {
    setFailure(undefined);
    session.resume().then(
      (resumed) => setScreen(resumed ? 'signed-in' : 'signed-out'),
      (error) => {
        setFailure(describeFailure(error));
        setScreen('signed-out');
      },
    );
  };
  useEffect(() => {
    session.onEnded(() => setScreen('signed-out'));
    start();
  }, []);

  if (screen === 'starting') return <p class="loading">Loading your notes…</p>;
  if (screen === 'signed-in') {
    return (
      <NotesScreen
        session={session}
        onSignedOut={() => setScreen('signed-out')}
        onAccountDeleted={() => setScreen('deleted')}
      />
    );
  }
  return (
    <main class="auth">
      <h1>Notes</h1>
      {screen === 'deleted' && (
        <p class="notice" role="status">
          Your account and all its notes are deleted.
        </p>
      )}
      <FailureAlert failure={failure} onRetry={start} />
      <AuthForm session={session} onSignedIn={() => setScreen('signed-in')} />
    </main>
  );
}

function AuthForm({ session, onSignedIn }: { session: BrowserSession; onSignedIn: () => void }) {
  const [mode, setMode] = useState<'sign-in' | 'sign-up'>('sign-in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure>();
  const signingUp = mode === 'sign-up';

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      if (signingUp) dataOrThrow(await session.api.POST('/v1/auth/sign-up', { body: { email, password } }));
      await session.signIn(email, password);
      onSignedIn();
    } catch (error) {
      setFailure(describeFailure(error));
      setBusy(false);
    }
  }

  return (
    <form class="card auth__form" onSubmit={submit} aria-labelledby="auth-title" noValidate>
      <h2 id="auth-title">{signingUp ? 'Create an account' : 'Sign in'}</h2>
      <FailureAlert failure={failure} />
      <Field id="email" label="Email" error={failure?.fields.email}>
        {(describedBy, invalid) => (
          <input
            id="email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <Field
        id="password"
        label="Password"
        error={failure?.fields.password}
        {...(signingUp ? { hint: '12 to 128 characters.' } : {})}
      >
        {(describedBy, invalid) => (
          <input
            id="password"
            type="password"
            autoComplete={signingUp ? 'new-password' : 'current-password'}
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
        )}
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        {signingUp ? 'Create account' : 'Sign in'}
      </button>
      <button
        type="button"
        class="link"
        onClick={() => {
          setMode(signingUp ? 'sign-in' : 'sign-up');
          setFailure(undefined);
        }}
      >
        {signingUp ? 'I have an account: sign in' : 'New here? Create an account'}
      </button>
    </form>
  );
}
