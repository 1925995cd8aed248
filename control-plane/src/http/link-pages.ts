// The pages one-time links open: /auth/invitation?token=… (join an org) and /auth/reset-password?token=…
// (set a password). Plain HTML forms without scripts, so a link works in any browser; the form posts back
// to the same path, and the answer links to the admin console at `/` to sign in. The token is the credential, so these need no
// session or CSRF token. Pages load nothing from elsewhere, send no Referer (the token is in the URL) and
// refuse to be framed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodes, GatewayError } from '../../../shared/src/errors.ts';
import type { AppServices } from '../context.ts';
import { clientAddress } from '../services/identity/client-address.ts';
import { acceptInvitation, describeInvitation } from '../services/identity/invitations.ts';
import { resetPassword } from '../services/identity/password-resets.ts';
import { consumeSignInAttempt } from '../services/identity/sign-in.ts';

const MAX_FORM_BYTES = 8 * 1024;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function sendPage(response: ServerResponse, status: number, title: string, body: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  });
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<title>${escapeHtml(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}` +
      `label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font:inherit}.error{color:#b00020}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  );
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new GatewayError('request_too_large', 'the form is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function statusOf(error: unknown): number {
  return error instanceof GatewayError ? (error.statusOverride ?? errorCodes[error.code].status) : 500;
}

function messageOf(error: unknown): string {
  return error instanceof GatewayError ? error.message : 'Something went wrong; try again.';
}

function passwordForm(token: string, label: string, extra = ''): string {
  return (
    `<form method="post"><input type="hidden" name="token" value="${escapeHtml(token)}">${extra}` +
    `<label>${escapeHtml(label)}<input type="password" name="password" required autocomplete="new-password"></label>` +
    `<button type="submit">Continue</button></form>`
  );
}

export async function handleInvitationPage(services: AppServices, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const title = 'Join an organization';
  try {
    if (request.method === 'GET') {
      const token = new URL(request.url ?? '/', 'http://control-plane').searchParams.get('token') ?? '';
      const invitation = await describeInvitation(services, token);
      const intro = `<p>You are invited to <b>${escapeHtml(invitation.orgName)}</b> as <b>${invitation.role}</b> (${escapeHtml(invitation.email)}).</p>`;
      const label = invitation.hasAccount ? 'Your password' : 'Choose a password (12 characters or more)';
      return sendPage(response, 200, title, intro + passwordForm(token, label));
    }
    if (request.method !== 'POST') throw new GatewayError('method_not_allowed', 'use GET or POST');
    await consumeSignInAttempt(services.identity.signInRateLimit, clientAddress(request, services.identity.trustedProxyHops));
    const form = await readForm(request);
    const accepted = await acceptInvitation(
      { prisma: services.prisma, snapshotChanged: (cause) => services.publisher.changed(cause) },
      { token: form.get('token') ?? '', password: form.get('password') ?? '' },
    );
    sendPage(
      response,
      200,
      title,
      `<p>You joined <b>${escapeHtml(accepted.orgName)}</b> as <b>${accepted.role}</b>. <a href="/">Sign in to the console</a> as ${escapeHtml(accepted.email)}.</p>`,
    );
  } catch (error) {
    sendPage(response, statusOf(error), title, `<p class="error">${escapeHtml(messageOf(error))}</p>`);
  }
}

export async function handleResetPasswordPage(services: AppServices, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const title = 'Set your password';
  try {
    if (request.method === 'GET') {
      const token = new URL(request.url ?? '/', 'http://control-plane').searchParams.get('token') ?? '';
      return sendPage(response, 200, title, passwordForm(token, 'New password (12 characters or more)'));
    }
    if (request.method !== 'POST') throw new GatewayError('method_not_allowed', 'use GET or POST');
    const form = await readForm(request);
    const reset = await resetPassword(services.prisma, { token: form.get('token') ?? '', password: form.get('password') ?? '' });
    sendPage(response, 200, title, `<p>The password of ${escapeHtml(reset.email)} is set. <a href="/">Sign in to the console</a> with it.</p>`);
  } catch (error) {
    sendPage(response, statusOf(error), title, `<p class="error">${escapeHtml(messageOf(error))}</p>`);
  }
}
