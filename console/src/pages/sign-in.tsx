// Email and password against POST /auth/login. Errors show beside the form; a lockout's message says when
// to try again.
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field.tsx';
import { signIn, SignInError, type SignedInUser } from '../session.ts';

export function SignInPage({ onSignedIn }: { onSignedIn: (user: SignedInUser) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<SignInError | Error | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(email, password));
    } catch (caught) {
      setError(caught instanceof Error ? caught : new Error(String(caught)));
    } finally {
      setBusy(false);
    }
  }

  const param = error instanceof SignInError ? error.param : null;
  return (
    <main className="sign-in">
      <h1>Sign in to the AI Gateway</h1>
      <form onSubmit={(event) => void submit(event)} aria-describedby={error && !param ? 'sign-in-error' : undefined}>
        <Field
          label="Email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          error={param === 'email' ? error?.message : null}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          error={param === 'password' ? error?.message : null}
        />
        {error && !param ? (
          <p className="error" role="alert" id="sign-in-error">
            {error.message}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
