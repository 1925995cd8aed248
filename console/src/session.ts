// The browser session (docs/identity.md): sign in with POST /auth/login, find it again after a reload with
// GET /auth/session, end it with POST /auth/logout. Each answer carries the CSRF token mutations need.
import { csrfHeaders, setCsrfToken } from './trpc.ts';

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  isPlatformAdmin: boolean;
}

interface SessionAnswer {
  user: SignedInUser;
  csrfToken: string;
}

interface ErrorAnswer {
  error?: { message?: string; param?: string | null };
}

export class SignInError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** The signed-in user, or null when there is no live session. */
export async function currentSession(): Promise<SignedInUser | null> {
  const response = await fetch('/auth/session', { credentials: 'same-origin' });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`GET /auth/session answered ${response.status}`);
  return adopt((await response.json()) as SessionAnswer);
}

export async function signIn(email: string, password: string): Promise<SignedInUser> {
  const response = await fetch('/auth/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as SessionAnswer & ErrorAnswer;
  if (!response.ok) throw new SignInError(body.error?.message ?? `sign-in failed (${response.status})`, body.error?.param ?? null);
  return adopt(body);
}

export async function signOut(): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin', headers: csrfHeaders() });
  setCsrfToken(null);
}

function adopt(answer: SessionAnswer): SignedInUser {
  setCsrfToken(answer.csrfToken);
  return answer.user;
}
