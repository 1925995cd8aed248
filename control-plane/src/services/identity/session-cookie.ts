// The session cookie: HttpOnly (scripts never see the secret), SameSite=Lax (other sites' forms and
// scripts do not send it), Path=/, and Secure with the __Host- prefix when the control plane is served
// over TLS (then the browser also refuses the cookie from plain HTTP or another host). No Max-Age: the
// server decides when a session ends (sessions.ts); the browser drops the cookie when it closes or on sign-out.
import { parseCookie, stringifySetCookie } from 'cookie';

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-gw_session' : 'gw_session';
}

export function readSessionCookie(cookieHeader: string | null | undefined, secure: boolean): string | null {
  if (!cookieHeader) return null;
  return parseCookie(cookieHeader)[sessionCookieName(secure)] ?? null;
}

export function sessionSetCookie(secret: string, secure: boolean): string {
  return stringifySetCookie({ name: sessionCookieName(secure), value: secret, httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

export function clearSessionSetCookie(secure: boolean): string {
  return stringifySetCookie({ name: sessionCookieName(secure), value: '', httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
}
