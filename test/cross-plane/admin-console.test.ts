// The admin console in a real browser (headless Chromium) against the whole gateway: sign in, see the
// overview, create a key (shown once, copied to the clipboard), use it on the data plane, watch the request
// appear on the overview and in the request log, revoke the key and see the data plane refuse it; invite
// a member, who accepts in a second browser, makes a key and sees only her own request. Every page is screenshotted at
// 1280×800 and at a phone's width into test-results/admin-console/; any console error, uncaught exception,
// failed request or unexpected error answer fails the test.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../control-plane/src/services/identity/passwords.ts';
import { ADMIN_EMAIL } from '../../control-plane/src/services/seed.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { buildConsoleIfStale, launchChromium, tabWalkProblems, watchedPage, type WatchedPage } from '../support/browser.ts';
import { startControlPlaneOnPglite } from '../support/control-plane-on-pglite.ts';
import { startGateway, SIMULATOR_MODEL, type Gateway } from '../support/gateway-harness.ts';
import { waitFor } from '../support/wait-for.ts';

const SCREENSHOTS = resolve('test-results/admin-console');
const PASSWORD = 'console test password';
const PHONE = { width: 390, height: 844 };

/** The sign-in page's first question, GET /auth/session, is answered 401 until someone signs in. */
const notSignedInYet = (url: string, status: number) => status === 401 && new URL(url).pathname === '/auth/session';
/** A catalog model the alerts test prices at exactly 100 µ$ a request (the policy test allows simulator/*). */
const FIXED_COST_MODEL = 'simulator/fixed-cost';
/** The README's picture of the overview, rewritten when UPDATE_README_SCREENSHOT=1 (docs/console.md). */
const README_SCREENSHOT = resolve('docs/images/console-overview.png');

/** A local webhook receiver: answers 204 and keeps each call's signature header and JSON body. */
async function startReceiver(): Promise<{ url: string; calls: Array<{ signature: string | undefined; body: unknown }>; close: () => Promise<void> }> {
  const calls: Array<{ signature: string | undefined; body: unknown }> = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      calls.push({ signature: request.headers['x-gateway-signature'] as string | undefined, body: JSON.parse(body) as unknown });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/budget`,
    calls,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** The page's inputs and buttons that a screen reader could not name (no label, no text, no aria name). */
function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('input:not([type=hidden]), select, textarea, button')]
      .filter((control) => {
        const labelled = 'labels' in control && (control as HTMLInputElement).labels!.length > 0;
        const named = control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
        const text = control.tagName === 'BUTTON' && control.textContent!.trim() !== '';
        return !labelled && !named && !text;
      })
      .map((control) => control.outerHTML.slice(0, 120)),
  );
}

describe('admin console', () => {
  let gateway: Gateway;
  let browser: Browser;
  let context: BrowserContext;
  let watched: WatchedPage;
  let page: Page;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    buildConsoleIfStale();
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startGateway('pglite');
    await gateway.controlPlane!.prisma.user.update({ where: { email: ADMIN_EMAIL }, data: { passwordHash: await hashPassword(PASSWORD) } });
    browser = await launchChromium();
    // Reduced motion: charts are drawn at once, so screenshots show them whole.
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.controlPlane!.url });
    watched = await watchedPage(context, notSignedInYet);
    page = watched.page;
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await receiver?.close();
  });

  /** Screenshots the page at both widths; `tabWalk` also checks that Tab reaches every control, focus visible. */
  async function screenshot(name: string, { tabWalk = true } = {}): Promise<void> {
    expect(await unnamedControls(page)).toEqual([]);
    if (tabWalk) expect(await tabWalkProblems(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    await page.setViewportSize(PHONE);
    // Readable on a phone: nothing wider than the screen, so nothing needs sideways scrolling but tables.
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  /** The overview at 1280 pixels wide, kept small for the README. */
  async function screenshotForReadme(): Promise<void> {
    const path = process.env.UPDATE_README_SCREENSHOT === '1' ? README_SCREENSHOT : join(SCREENSHOTS, 'readme-overview.png');
    mkdirSync(dirname(path), { recursive: true });
    const picture = await page.screenshot({ path, fullPage: true });
    expect(picture.length).toBeLessThan(200_000);
  }

  /** Submits a bad value: the message must be the field's own error (it is marked invalid and described by it), not a note elsewhere. */
  async function expectBlamedBeside(form: Page | Locator, label: string, badValue: string, submit: string, message: string): Promise<void> {
    const field = form.getByLabel(label);
    await field.fill(badValue);
    await form.getByRole('button', { name: submit }).click();
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!.split(' ');
    expect((await page.locator(describedBy.map((id) => `[id="${id}"]`).join(', ')).allTextContents()).join(' ')).toContain(message);
  }

  const askAs = (key: string, content: string) =>
    gateway
      .client(key)
      .chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content }] })
      .withResponse();

  /** Asks with a key just created until the data plane serves it (it arrives with the next snapshot): the answer's text and request id. */
  function firstAnswer(key: string, content: string): Promise<{ text: string | null | undefined; requestId: string }> {
    return waitFor(
      () =>
        askAs(key, content).then(
          ({ data, response }) => ({ text: data.choices[0]?.message.content, requestId: response.headers.get('x-request-id')! }),
          () => undefined,
        ),
      { what: 'the new key to be served' },
    );
  }

  async function openPage(title: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: title }).click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
  }

  it('signs in, creates a key that works on the data plane, shows its request, and revokes it', async () => {
    await page.goto(`${gateway.controlPlane!.url}/`);
    await page.getByRole('heading', { name: 'Sign in to the AI Gateway' }).waitFor();
    // Its Tab order is walked by hand below, from the top.
    await screenshot('sign-in', { tabWalk: false });

    // By keyboard alone: the email field is the first stop, Enter submits.
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_EMAIL);
    await page.keyboard.press('Tab');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('email or password is wrong');
    watched.problems.splice(0, watched.problems.length, ...watched.problems.filter((line) => !line.includes('/auth/login 401')));

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await expect.poll(() => page.getByTestId('total-requests').textContent()).toBe('0');
    await page.getByText('No requests in the last 30 days.').waitFor();
    await screenshot('overview-empty');

    await openPage('API keys');
    await page.getByLabel('Name').fill('browser test key');
    // A budget: a bad amount is blamed next to its field, then a daily cap counted in Paris.
    await expectBlamedBeside(page, 'Daily budget in dollars (optional)', 'five', 'Create key', 'write the amount in dollars');
    await page.getByLabel('Daily budget in dollars (optional)').fill('5');
    await page.getByLabel('Budget time zone').selectOption('Europe/Paris');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent())!;
    expect(key).toMatch(/^sk-/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await expect.poll(() => page.getByRole('row', { name: /browser test key/ }).count()).toBe(1);
    expect(await page.getByRole('row', { name: /browser test key/ }).textContent()).toContain('$5.00 a day: $0.00 spent; in Europe/Paris');
    await screenshot('keys-created');

    // The key reaches the data plane with the next snapshot.
    const ask = () => askAs(key, 'Hello from the console test');
    const { text, requestId } = await firstAnswer(key, 'Hello from the console test');
    expect(text).toBe('Echo: Hello from the console test');

    await openPage('Overview');
    await expect.poll(() => page.getByTestId('total-requests').textContent()).toBe('1');
    await page.getByRole('img', { name: 'Spend per day over the last 30 days, stacked by model' }).waitFor();
    await page.getByLabel('Requests').check();
    await page.getByLabel('API key').check();
    await page.getByRole('img', { name: 'Requests per day over the last 30 days, stacked by api key' }).waitFor();
    // Speed per model, from the database's percentiles over the one request.
    const speed = page.getByRole('region', { name: 'Speed per model' }).getByRole('row', { name: new RegExp(`^${SIMULATOR_MODEL}`) });
    await expect
      .poll(() => speed.allTextContents())
      .toEqual([expect.stringMatching(new RegExp(`^${SIMULATOR_MODEL}1(—|\\d[\\d,]* ms){2}\\d[\\d,]* ms\\d[\\d,]* ms$`))]);
    // Spend against limits: the balance, the admin's own (absent) daily limit, the key's budget in Paris.
    const limits = page.getByRole('region', { name: 'Spend against limits' });
    await expect.poll(() => limits.getByTestId('limits-balance').textContent()).toMatch(/^-?\$/);
    expect(await limits.getByTestId('limits-member').textContent()).toMatch(/^Your daily limit\$[\d.]+ spentno limit · resets /);
    await limits.getByRole('meter', { name: 'Key “browser test key” today (Europe/Paris)' }).waitFor();
    await screenshot('overview');

    // The request log has it, with its x-request-id; choosing it shows the whole record. While the first
    // page is on its way (held here until the page has said so), the page says it is loading.
    let releaseLog = () => {};
    const logHeld = new Promise<void>((release) => (releaseLog = release));
    await page.route('**/trpc/requests.list?**', (route) => logHeld.then(() => route.continue()), { times: 1 });
    await openPage('Requests');
    await page.getByRole('status').filter({ hasText: 'Loading requests…' }).waitFor();
    releaseLog();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const logged = page.getByRole('row', { name: new RegExp(requestId) });
    await logged.waitFor();
    expect(await logged.textContent()).toContain('browser test key');
    await logged.getByRole('button').click();
    const details = page.getByRole('region', { name: `Request ${requestId}` });
    await expect.poll(() => details.textContent()).toContain('Model served');
    expect(await details.textContent()).toContain(SIMULATOR_MODEL);
    await screenshot('requests');
    await page.getByLabel('Outcome').selectOption('error');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No requests match.').waitFor();

    // Its limits change after it was made (owners and admins), by keyboard from the list: a bad number is
    // blamed beside its field; then a daily budget under one request's cost and 600 requests a minute, on
    // the list and stored, and the data plane refuses the key over its budget. Emptying the field lifts it.
    await openPage('API keys');
    const keyRow = page.getByRole('row', { name: /browser test key/ });
    await page.getByRole('button', { name: 'Edit limits of browser test key' }).focus();
    await page.keyboard.press('Enter');
    const editor = page.getByRole('form', { name: 'Limits of key “browser test key”' });
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest('.field')?.querySelector('label')?.textContent))
      .toBe('Daily budget in dollars (optional)');
    expect(await editor.getByLabel('Daily budget in dollars (optional)').inputValue()).toBe('5');
    await expectBlamedBeside(editor, 'Requests per minute (optional)', 'lots', 'Save limits', 'write a whole number of requests a minute');
    await editor.getByLabel('Requests per minute (optional)').fill('600');
    await editor.getByLabel('Daily budget in dollars (optional)').fill('0.000001');
    await screenshot('keys-limits');
    await editor.getByRole('button', { name: 'Save limits' }).click();
    await expect.poll(() => keyRow.textContent()).toContain('$0.000001 a day');
    expect(await keyRow.textContent()).toContain('600 requests a minute');
    expect(await editor.count()).toBe(0);
    expect(await gateway.controlPlane!.prisma.apiKey.findFirstOrThrow({ where: { name: 'browser test key' } })).toMatchObject({
      budgetDailyMicros: 1n,
      budgetTimeZone: 'Europe/Paris',
      rpmLimit: 600,
      tpmLimit: null,
    });
    const refusal = () =>
      ask().then(
        () => 'answered',
        (error: { status?: number; code?: string }) => `${error.status} ${error.code}`,
      );
    await expect.poll(refusal).toBe('429 key_budget_exceeded');
    await page.getByRole('button', { name: 'Edit limits of browser test key' }).click();
    await editor.getByLabel('Daily budget in dollars (optional)').fill('');
    await editor.getByRole('button', { name: 'Save limits' }).click();
    await expect.poll(() => keyRow.textContent()).not.toContain('a day');
    expect(await gateway.controlPlane!.prisma.apiKey.findFirstOrThrow({ where: { name: 'browser test key' } })).toMatchObject({ budgetDailyMicros: null });
    await expect.poll(refusal).toBe('answered');

    await page.getByRole('button', { name: 'Revoke browser test key' }).click();
    await page.getByRole('button', { name: 'Confirm revoking browser test key' }).click();
    await expect.poll(() => page.getByRole('row', { name: /browser test key/ }).textContent()).toContain('revoked');
    await expect
      .poll(() =>
        ask().then(
          () => 'answered',
          (error: { status?: number }) => error.status,
        ),
      )
      .toBe(401);

    expect(watched.problems).toEqual([]);
  });

  it('invites a member, who accepts in another browser, makes a key and sees only their own request', async () => {
    await openPage('Members');
    await page.getByLabel('Email').fill('ada@console.example');
    await page.getByLabel('Role', { exact: true }).selectOption('member');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = (await page.getByTestId('invitation-link').textContent())!;
    expect(link).toContain('/auth/invitation?token=');
    await expect.poll(() => page.getByRole('row', { name: /ada@console\.example/ }).textContent()).toContain('pending');
    await screenshot('members');

    // The invitee, in a browser of their own: the link's page sets a password, then the console signs in.
    const inviteeContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const invitee = await watchedPage(inviteeContext, notSignedInYet);
    await invitee.page.goto(link);
    await invitee.page.getByLabel('Choose a password').fill('ada console password');
    await invitee.page.getByRole('button', { name: 'Continue' }).click();
    await invitee.page.getByText('You joined Dev Org as member').waitFor();
    await invitee.page.getByRole('link', { name: 'Sign in to the console' }).click();
    await invitee.page.getByLabel('Email').fill('ada@console.example');
    await invitee.page.getByLabel('Password').fill('ada console password');
    await invitee.page.getByRole('button', { name: 'Sign in' }).click();
    await invitee.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await invitee.page.getByText('Your requests in Dev Org').waitFor();
    // A member manages neither members nor anyone else's keys, and sees neither the catalog nor the alerts.
    const inviteeNavigation = invitee.page.getByRole('navigation', { name: 'Pages' });
    expect(await inviteeNavigation.getByRole('link').allTextContents()).toEqual(['Overview', 'Requests', 'API keys', 'Members', 'Policies', 'Provider keys']);
    await invitee.page.goto(`${gateway.controlPlane!.url}/#/catalog`);
    await invitee.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // Hidden is not all: the catalog's procedures refuse her, with her session and its CSRF token.
    const { csrfToken } = (await (await invitee.page.request.get(`${gateway.controlPlane!.url}/auth/session`)).json()) as { csrfToken: string };
    const refused = await invitee.page.request.post(`${gateway.controlPlane!.url}/trpc/catalog.overrideModelPrices`, {
      headers: { 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      data: { id: SIMULATOR_MODEL, providerSlug: 'simulator', prices: { prompt: 0, completion: 0 } },
    });
    expect(refused.status()).toBe(403);
    expect(await refused.text()).toContain('only a platform admin may do catalog.write');
    await invitee.page.getByRole('link', { name: 'Members' }).click();
    await invitee.page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
    expect(await invitee.page.getByRole('button', { name: 'Invite' }).count()).toBe(0);
    await inviteeNavigation.getByRole('link', { name: 'API keys' }).click();
    await invitee.page.getByLabel('Name').fill('ada laptop');
    await invitee.page.getByRole('button', { name: 'Create key' }).click();
    const adaKey = (await invitee.page.getByTestId('new-key').textContent())!;
    expect(await invitee.page.getByRole('row', { name: /browser test key/ }).count()).toBe(0);

    const { requestId: adaRequestId } = await firstAnswer(adaKey, 'Ada asks');
    await inviteeNavigation.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => invitee.page.getByTestId('total-requests').textContent()).toBe('1');
    await invitee.page.getByRole('img', { name: 'Spend per day over the last 30 days, stacked by model' }).waitFor();
    await inviteeNavigation.getByRole('link', { name: 'Requests' }).click();
    await invitee.page.getByRole('row', { name: new RegExp(adaRequestId) }).waitFor();
    // Only her own: the admin's request of the first test is not in her log.
    expect(await invitee.page.getByRole('row', { name: /browser test key/ }).count()).toBe(0);
    await invitee.page.screenshot({ path: join(SCREENSHOTS, 'member-requests.png'), fullPage: true });

    // The admin sees her request in the org's log, and her in the members list with the invitation accepted.
    await openPage('Requests');
    await expect.poll(() => page.getByRole('row', { name: new RegExp(adaRequestId) }).textContent()).toContain('ada@console.example');
    await openPage('Members');
    await expect
      .poll(() => page.getByRole('row', { name: /ada@console\.example/ }).allTextContents())
      .toEqual([expect.stringMatching(/^ada@console\.example/), expect.stringContaining('accepted')]);

    // Her daily limit and role, changed from the list: stored, and her own overview shows the limit.
    await page.getByLabel('Daily limit of ada@console.example in dollars').fill('2.5');
    await page.getByRole('button', { name: 'Save the daily limit of ada@console.example' }).click();
    await page.getByLabel('Role of ada@console.example').selectOption('billing');
    const adaMembership = () => gateway.controlPlane!.prisma.membership.findFirst({ where: { user: { email: 'ada@console.example' } } });
    await expect.poll(async () => (await adaMembership())?.role).toBe('billing');
    expect((await adaMembership())?.dailyLimitMicros).toBe(2_500_000n);
    await inviteeNavigation.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => invitee.page.getByTestId('limits-member').textContent()).toMatch(/^Your daily limit\$[\d.]+ of \$2\.50/);

    expect(invitee.problems).toEqual([]);
    expect(watched.problems).toEqual([]);
    await inviteeContext.close();
  });

  it('previews and saves a model policy, and adds, lists and deletes a provider key', async () => {
    await openPage('Policies');
    await page.getByLabel('Only allow the models listed').check();
    const allowedModels = page.getByLabel('Allowed models, one per line');
    await allowedModels.fill('nobody/*');
    await expect.poll(() => page.getByTestId('policy-preview-count').textContent()).toMatch(/^0 of /);
    await page.getByText('No model is allowed').waitFor();
    await allowedModels.fill('simulator/*');
    await page.getByRole('region', { name: 'Models this policy allows' }).getByText(SIMULATOR_MODEL, { exact: true }).waitFor();
    // The provider rules, per provider (a group named by it): denying the only provider leaves no model.
    const neverSimulator = page.getByRole('group', { name: 'simulator' }).getByLabel('never used');
    await neverSimulator.check();
    await expect.poll(() => page.getByTestId('policy-preview-count').textContent()).toMatch(/^0 of /);
    await neverSimulator.uncheck();
    await page.getByRole('region', { name: 'Models this policy allows' }).getByText(SIMULATOR_MODEL, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Saved: data planes apply it within a second').waitFor();
    const policy = await gateway.controlPlane!.prisma.orgPolicy.findFirstOrThrow();
    expect(policy).toMatchObject({ restrictModels: true, allowedModels: ['simulator/*'] });
    await screenshot('policies');

    await openPage('Provider keys');
    await page.getByLabel('Provider', { exact: true }).selectOption('simulator');
    await page.getByLabel('Key', { exact: true }).fill('sk-own-simulator-key-7781');
    await page.getByRole('button', { name: 'Add key' }).click();
    await expect.poll(() => page.getByRole('row', { name: /simulator/ }).textContent()).toContain('…7781');
    // Shown once: nothing of the key but its last four is on the page.
    expect(await page.content()).not.toContain('sk-own-simulator-key');
    await page.getByRole('button', { name: 'Re-wrap every key' }).click();
    await page.getByText(/Current version 1: 0 re-wrapped, 0 failed/).waitFor();
    await screenshot('provider-keys');
    await page.getByRole('button', { name: 'Delete the simulator key …7781' }).click();
    await page.getByRole('button', { name: 'Confirm deleting the simulator key …7781' }).click();
    await page.getByText('No provider keys yet.').waitFor();
    expect(await gateway.controlPlane!.prisma.byokCredential.count()).toBe(0);

    expect(watched.problems).toEqual([]);
  });

  it('grants credit as a platform admin and finds it in the ledger and the audit log', async () => {
    await openPage('Billing');
    const before = await page.getByTestId('billing-balance').textContent();
    await page.getByLabel('Amount in dollars').fill('5');
    await page.getByLabel('Note').fill('console grant');
    await page.getByRole('button', { name: 'Add to the ledger' }).click();
    await expect.poll(() => page.getByTestId('billing-balance').textContent()).not.toBe(before);
    await page.getByRole('row', { name: /console grant/ }).waitFor();
    expect(await page.getByRole('row', { name: /console grant/ }).textContent()).toContain('$5.00');
    await screenshot('billing');

    await openPage('Audit log');
    await page.getByLabel('Action').fill('api-key.revoke');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await screenshot('audit-log');

    expect(watched.problems).toEqual([]);
  });

  it('sets budget alert thresholds and a webhook, and shows the alert a budgeted key set off in the delivery log', async () => {
    // A model that costs exactly 100 µ$ a request: 10 completion tokens at 10,000 n$.
    await addCatalogModel(
      gateway,
      { slug: 'simulator', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: null },
      {
        id: FIXED_COST_MODEL,
        name: 'Fixed-cost simulator',
        endpoint: { providerSlug: 'simulator', upstreamModel: 'fixed', prices: { prompt: 0, completion: 10_000 } },
      },
    );
    await openPage('Budget alerts');
    await page.getByText('No alert has been sent yet.').waitFor();
    const thresholds = page.getByLabel('Thresholds in percent');
    await expectBlamedBeside(page, 'Thresholds in percent', 'fifty', 'Save alerts', 'write whole percentages separated by commas');
    await thresholds.fill('100, 50');
    await page.getByLabel('Webhook URL (optional)').fill(receiver.url);
    await page.getByRole('button', { name: 'Save alerts' }).click();
    expect(await page.getByTestId('webhook-secret').textContent()).toMatch(/^whsec_/);
    await expect.poll(() => thresholds.inputValue()).toBe('50, 100');
    expect(await gateway.controlPlane!.prisma.orgAlertConfig.findFirstOrThrow()).toMatchObject({ thresholds: [50, 100], webhookUrl: receiver.url });

    await openPage('API keys');
    await page.getByLabel('Name').fill('alerted key');
    await page.getByLabel('Daily budget in dollars (optional)').fill('0.00015');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent())!;
    const previousScenario = gateway.simulator.scenario;
    gateway.simulator.scenario = () => ({ reply: Array.from({ length: 10 }, (_, index) => `w${index}`).join(' ') });
    try {
      await expect
        .poll(() =>
          gateway
            .client(key)
            .chat.completions.create({ model: FIXED_COST_MODEL, messages: [{ role: 'user', content: 'spend' }], max_tokens: 10 })
            .then(
              () => 'answered',
              (error: Error) => error.message,
            ),
        )
        .toBe('answered');
    } finally {
      gateway.simulator.scenario = previousScenario;
    }
    await gateway.dataPlane!.flushUsage();
    // 100 of 150 µ$: past 50 %, short of 100 %. The receiver gets one signed call.
    await expect.poll(() => receiver.calls.length).toBe(1);
    expect(receiver.calls[0]).toMatchObject({
      signature: expect.stringMatching(/^t=\d+,v1=[0-9a-f]{64}$/),
      body: { threshold_percent: 50, used_micros: 100, limit_micros: 150 },
    });

    await openPage('Budget alerts');
    const delivery = page.getByRole('row', { name: /Key “alerted key”, daily budget/ });
    await expect.poll(() => delivery.textContent()).toMatch(/50 % \(\$0\.0001 of \$0\.00015\)delivered1HTTP 204/);
    await screenshot('alerts');

    await openPage('Overview');
    const limits = page.getByRole('region', { name: 'Spend against limits' });
    await expect.poll(() => limits.getByRole('listitem').filter({ hasText: 'Key “alerted key” today' }).textContent()).toContain('$0.0001 of $0.00015');
    await page.getByRole('img', { name: /per day over the last 30 days, stacked by/ }).waitFor();
    await screenshotForReadme();

    expect(watched.problems).toEqual([]);
  });

  it('switches the overview between the last 7, 30 and 90 days: the query, the totals, the chart and the speed table follow', async () => {
    // Two earlier days of usage, as ingest would have summed them: copies of a day the tests made (same
    // org, user, key, model and provider) with 3 requests 20 days ago and 5 requests 60 days ago.
    const prisma = gateway.controlPlane!.prisma;
    const made = await prisma.usageDaily.findFirstOrThrow({ orderBy: { day: 'desc' } });
    const daysBefore = (count: number) => new Date(made.day.getTime() - count * 86_400_000);
    await prisma.usageDaily.createMany({
      data: [
        { ...made, day: daysBefore(20), requests: 3n },
        { ...made, day: daysBefore(60), requests: 5n },
      ],
    });
    const tomorrow = daysBefore(-1).getTime();
    /** The range, in days, of a call to the procedure (ranges end at the next UTC midnight). */
    const daysAsked = (url: string) => {
      const input = JSON.parse(new URL(url).searchParams.get('input')!) as { from: string; to: string };
      expect(Date.parse(input.to)).toBe(tomorrow);
      return (Date.parse(input.to) - Date.parse(input.from)) / 86_400_000;
    };
    /** Chooses the period and returns the ranges of the usage and speed calls it makes (not refreshes of the period before). */
    const rangesAfterChoosing = async (period: string, before: number) => {
      const asked = (procedure: string) =>
        page.waitForRequest((request) => new URL(request.url()).pathname === `/trpc/${procedure}` && daysAsked(request.url()) !== before);
      const calls = Promise.all([asked('billing.usage'), asked('requests.latency')]);
      await page.getByLabel(period).check();
      return (await calls).map((request) => daysAsked(request.url()));
    };
    const totalRequests = async () => Number((await page.getByTestId('total-requests').textContent())!.replace(/,/g, ''));
    const speedCaption = page.getByRole('region', { name: 'Speed per model' }).locator('caption');

    // The last 30 days were shown before (cached, refreshed in the background): the last 7 are asked afresh.
    await openPage('Overview');
    await page.getByRole('img', { name: 'Spend per day over the last 30 days, stacked by model' }).waitFor();
    expect(await rangesAfterChoosing('Last 7 days', 30)).toEqual([7, 7]);
    await expect.poll(totalRequests).toBeGreaterThan(0);
    const lastWeek = await totalRequests();
    const weekChart = page.getByRole('img', { name: 'Spend per day over the last 7 days, stacked by model' });
    const weekPicture = await weekChart.screenshot();
    await expect.poll(() => speedCaption.textContent()).toMatch(/of the last 7 days$/);

    expect(await rangesAfterChoosing('Last 30 days', 7)).toEqual([30, 30]);
    await expect.poll(totalRequests).toBe(lastWeek + 3);
    const monthChart = page.getByRole('img', { name: 'Spend per day over the last 30 days, stacked by model' });
    await expect.poll(async () => (await monthChart.screenshot()).equals(weekPicture)).toBe(false);
    await expect.poll(() => speedCaption.textContent()).toMatch(/of the last 30 days$/);

    expect(await rangesAfterChoosing('Last 90 days', 30)).toEqual([90, 90]);
    await expect.poll(totalRequests).toBe(lastWeek + 8);
    await page.getByRole('img', { name: 'Spend per day over the last 90 days, stacked by model' }).waitFor();
    await expect.poll(() => speedCaption.textContent()).toMatch(/of the last 90 days$/);
    await screenshot('overview-90-days');

    // More requests than a page of the log (50): 60 older copies of the org's first logged request. The
    // first page is the newest 50; "Older requests" adds the rest, the oldest last, none twice.
    const first = await prisma.usageRecord.findFirstOrThrow({ where: { orgId: made.orgId }, orderBy: { startedAt: 'asc' } });
    await prisma.usageRecord.createMany({
      data: Array.from({ length: 60 }, (_, index) => ({
        ...first,
        id: undefined,
        requestId: `paged-${index}`,
        startedAt: new Date(first.startedAt.getTime() - (index + 1) * 60_000),
        finishedAt: new Date(first.finishedAt.getTime() - (index + 1) * 60_000),
      })),
    });
    const logged = await prisma.usageRecord.count({ where: { orgId: made.orgId } });
    const shownIds = () => page.locator('tbody tr code').allTextContents();
    await openPage('Requests');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(async () => (await shownIds()).length).toBe(50);
    const firstPage = await shownIds();
    expect(firstPage).toContain('paged-0');
    expect(firstPage).not.toContain('paged-59');
    await page.getByRole('button', { name: 'Older requests' }).click();
    await expect.poll(async () => (await shownIds()).length).toBe(logged);
    const both = await shownIds();
    expect(both.slice(0, 50)).toEqual(firstPage);
    expect(both.at(-1)).toBe('paged-59');
    expect(new Set(both).size).toBe(logged);

    expect(watched.problems).toEqual([]);
  });

  it('serves GraphiQL that works offline: it runs a query with nothing fetched from another origin', async () => {
    // GraphiQL is on where introspection is (development, as npm start): a control plane of its own.
    const development = await startControlPlaneOnPglite({ graphqlIntrospection: true });
    const offline = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      // As on a machine without internet: every request off the control plane's origin is refused and noted.
      const origin = new URL(development.controlPlane.url).origin;
      const foreign: string[] = [];
      await offline.route(/^https?:/, (route) => {
        if (new URL(route.request().url()).origin === origin) return route.continue();
        foreign.push(route.request().url());
        return route.abort();
      });
      const graphiql = await watchedPage(offline);
      await graphiql.page.goto(`${development.controlPlane.url}/graphql`);
      // The opening query is only comments: write one, as a developer would, and run it.
      await graphiql.page.getByLabel('Operation Editor').locator('.monaco-editor').first().click();
      await graphiql.page.keyboard.press('Control+A');
      // The editor closes the brace it is given.
      await graphiql.page.keyboard.type('{ __typename');
      // Escape closes the editor's suggestions; Ctrl+Enter runs the operation (the Execute button's shortcut).
      await graphiql.page.keyboard.press('Escape');
      await graphiql.page.keyboard.press('Control+Enter');
      await expect.poll(() => graphiql.page.locator('.graphiql-response').textContent()).toMatch(/"__typename":\s*"Query"/);
      await graphiql.page.screenshot({ path: join(SCREENSHOTS, 'graphiql.png') });
      expect(foreign).toEqual([]);
      expect(graphiql.problems).toEqual([]);
    } finally {
      await offline.close();
      await development.close();
    }
  });

  it('shows the catalog to a platform admin and disables and re-enables a model', async () => {
    await openPage('Catalog');
    await expect
      .poll(() =>
        page
          .getByRole('row', { name: /^simulator/ })
          .first()
          .textContent(),
      )
      .toContain('openai-compatible');
    const modelRow = page.getByRole('row', { name: new RegExp(`^${SIMULATOR_MODEL}`) });
    await expect.poll(() => modelRow.textContent()).toMatch(/simulator: .*\$\d+\.\d\d \/ \$\d+\.\d\d.*enabled/);

    await page.getByRole('button', { name: `Disable ${SIMULATOR_MODEL}` }).click();
    await page.getByRole('button', { name: `Enable ${SIMULATOR_MODEL}` }).waitFor();
    expect(await modelRow.textContent()).toContain('disabled');
    expect(await gateway.controlPlane!.prisma.model.findUniqueOrThrow({ where: { id: SIMULATOR_MODEL } })).toMatchObject({ enabled: false });
    // Kept: a reload reads it back from the control plane. The reload cancels the old page's requests still
    // in flight; those cancellations are the reload's, not failures.
    const beforeReload = watched.problems.length;
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor();
    watched.problems.splice(beforeReload, Infinity, ...watched.problems.slice(beforeReload).filter((line) => !line.endsWith('net::ERR_ABORTED')));
    await page.getByRole('button', { name: `Enable ${SIMULATOR_MODEL}` }).waitFor();
    await screenshot('catalog');

    await page.getByRole('button', { name: `Enable ${SIMULATOR_MODEL}` }).click();
    await page.getByRole('button', { name: `Disable ${SIMULATOR_MODEL}` }).waitFor();
    expect(await gateway.controlPlane!.prisma.model.findUniqueOrThrow({ where: { id: SIMULATOR_MODEL } })).toMatchObject({ enabled: true });

    // The filter: nothing, then the one fixed-cost model (by part of its upstream model's name).
    const filter = page.getByLabel('Filter models');
    await filter.fill('no such model');
    await page.getByText('No model matches “no such model”.').waitFor();
    await filter.fill('fixed');
    await expect.poll(() => page.getByTestId('catalog-model-count').textContent()).toMatch(/^1 of \d+ models$/);
    expect(await page.getByRole('row', { name: new RegExp(`^${SIMULATOR_MODEL}`) }).count()).toBe(0);

    // Its prices, edited by keyboard alone: the button, the form's first field (focused), Tab, Enter.
    await page.getByRole('button', { name: `Edit prices of ${FIXED_COST_MODEL} on simulator` }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.id && document.querySelector(`label[for="${document.activeElement.id}"]`)?.textContent))
      .toBe('Prompt, $ per million tokens');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0.5');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('12.125');
    await page.keyboard.press('Enter');
    const fixedRow = page.getByRole('row', { name: new RegExp(`^${FIXED_COST_MODEL}`) });
    await expect.poll(() => fixedRow.textContent()).toContain('simulator: fixed, $0.50 / $12.125 (overridden)');
    const endpoint = await gateway.controlPlane!.prisma.modelEndpoint.findFirstOrThrow({ where: { modelId: FIXED_COST_MODEL } });
    expect([endpoint.promptPriceNanos, endpoint.completionPriceNanos, endpoint.priceOverridden]).toEqual([500n, 12_125n, true]);
    await screenshot('catalog-filtered');

    expect(watched.problems).toEqual([]);
  });
});
