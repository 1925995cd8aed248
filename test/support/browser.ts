// Headless Chromium for the console's end-to-end test: the machine's own Chromium (Debian's `chromium`
// package; playwright-core cannot download browsers here), and a page that records every console error,
// uncaught exception, failed request and error answer, so a test can insist there were none.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EVENTUALLY } from './eventually.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Builds the console when a source is newer than its build (the control plane reads the build when it starts). */
export function buildConsoleIfStale(): void {
  execFileSync(process.execPath, ['scripts/build-console.mjs', '--if-stale'], { stdio: 'inherit' });
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox'] });
}

export interface WatchedPage {
  page: Page;
  /** Everything that went wrong in the page so far, one line each. */
  problems: string[];
}

/**
 * A page whose console errors, uncaught exceptions, failed requests and 4xx/5xx answers are recorded.
 * `expected(url, status)` names the error answers that are the point of the exchange (e.g. "not signed in").
 */
export async function watchedPage(context: BrowserContext, expected: (url: string, status: number) => boolean = () => false): Promise<WatchedPage> {
  const page = await context.newPage();
  page.setDefaultTimeout(EVENTUALLY.timeout);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium also logs each error answer to the console; those are judged by status below.
    if (message.text().startsWith('Failed to load resource: the server responded with a status of')) return;
    problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !expected(response.url(), response.status())) {
      problems.push(`error answer: ${response.request().method()} ${response.url()} ${response.status()}`);
    }
  });
  return { page, problems };
}
