// One-time links as people get them (issue 17, items 3, 5 and 7): mailed through SMTP (a local sink from
// the smtp-server package), opened in a browser (the HTML pages), and the first start's link for the
// seeded admin.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { postLogin } from '../../../test/support/sign-in.ts';
import { startControlPlane, type ControlPlane } from '../app.ts';
import { captureLogger } from '../../../test/support/capture-log.ts';

interface ReceivedMail {
  to: string[];
  raw: string;
}

async function startSmtpSink(): Promise<{ url: string; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((recipient) => recipient.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The link in a mail body (quoted-printable soft line breaks undone). */
function linkIn(mail: ReceivedMail): string {
  const body = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const match = /(http:\/\/\S+\/auth\/(?:invitation|reset-password)\?token=[\w-]+)/.exec(body);
  if (!match) throw new Error(`no link in mail:\n${mail.raw}`);
  return match[1]!;
}

async function submitForm(link: string, password: string): Promise<{ status: number; html: string }> {
  const page = await fetch(link);
  const html = await page.text();
  const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no form on the page:\n${html}`);
  const response = await fetch(link.split('?')[0]!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, password }).toString(),
  });
  return { status: response.status, html: await response.text() };
}

describe('links by mail and in the browser', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const admin = (path: string, input: unknown) =>
    fetch(`${controlPlane.url}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}` },
      body: JSON.stringify(input),
    }).then(async (response) => ((await response.json()) as { result: { data: Record<string, unknown> } }).result.data);

  beforeAll(async () => {
    smtp = await startSmtpSink();
    database = await createTestDatabase('pglite');
    controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir, smtpUrl: smtp.url, mailFrom: 'Gateway <gateway@example.com>' });
  });
  afterAll(async () => {
    await controlPlane?.close();
    await smtp?.close();
    await database?.drop();
  });

  test('the first start prints a link for the seeded admin; it sets the password once, and later starts print none', async () => {
    expect(controlPlane.adminPasswordLink).toMatch(new RegExp(`^${controlPlane.url}/auth/reset-password\\?token=`));
    const set = await submitForm(controlPlane.adminPasswordLink!, 'admin password 0123');
    expect(set.html).toContain('The password of admin@localhost is set.');
    expect((await postLogin(controlPlane.url, { email: 'admin@localhost', password: 'admin password 0123' })).status).toBe(200);
    const again = await submitForm(controlPlane.adminPasswordLink!, 'another password 0123');
    expect(again.status).toBe(401);
    expect(again.html).toContain('already used');

    const { logger, lines: logged } = captureLogger();
    const restarted = await startControlPlane({ port: 0, dataDir: database.dataDir, logger, smtpUrl: smtp.url });
    try {
      expect(restarted.adminPasswordLink).toBeNull();
      expect(logged.join('\n')).not.toContain('has no password');
    } finally {
      await restarted.close();
    }
  });

  test('an invitation is mailed; the page asks a new person for a password and they join', async () => {
    const org = await admin('organizations.create', { name: 'Mailed' });
    const sent = await admin('members.invite', { orgId: org.id, email: 'New.Person@Example.com', role: 'member' });
    expect(sent.emailed).toBe(true);
    await expect.poll(() => smtp.mails.filter((mail) => mail.to.includes('new.person@example.com')).length).toBe(1);
    const mail = smtp.mails.find((candidate) => candidate.to.includes('new.person@example.com'))!;
    expect(mail.raw).toContain('From: Gateway <gateway@example.com>');
    expect(mail.raw).toContain('Subject: You are invited to Mailed');
    const link = linkIn(mail);
    expect(link).toBe(sent.link);

    const page = await fetch(link);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('Choose a password');
    const joined = await submitForm(link, 'new person password 0123');
    expect(joined.html).toContain('You joined <b>Mailed</b> as <b>member</b>');
    expect((await postLogin(controlPlane.url, { email: 'new.person@example.com', password: 'new person password 0123' })).status).toBe(200);
  });

  test('a password link is mailed on request only to an existing account, with the same answer either way', async () => {
    await controlPlane.prisma.user.create({ data: { email: 'forgetful@example.com' } });
    const ask = (email: string) =>
      fetch(`${controlPlane.url}/trpc/auth.requestPasswordReset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    const known = await ask('forgetful@example.com');
    const unknown = await ask('nobody-here@example.com');
    expect(unknown).toEqual(known);
    await expect.poll(() => smtp.mails.filter((mail) => mail.to.includes('forgetful@example.com')).length).toBe(1);
    expect(smtp.mails.some((mail) => mail.to.includes('nobody-here@example.com'))).toBe(false);

    const reset = await submitForm(linkIn(smtp.mails.find((mail) => mail.to.includes('forgetful@example.com'))!), 'remembered password 0123');
    expect(reset.html).toContain('is set');
    expect((await postLogin(controlPlane.url, { email: 'forgetful@example.com', password: 'remembered password 0123' })).status).toBe(200);
  });
});
