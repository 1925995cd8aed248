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

/**
 * Walks the page with Tab until every visible, enabled button, link, input, select and textarea has had the
 * focus (a radio group is one stop, as the browser makes it), and returns what the walk never reached or
 * reached without a visible focus style (no outline and no box shadow). Ends with nothing focused.
 */
export async function tabWalkProblems(page: Page): Promise<string[]> {
  const stops = await page.evaluate(() => {
    const controls = [...document.querySelectorAll<HTMLElement>('a[href], button, input:not([type=hidden]), select, textarea')].filter(
      (control) => !(control as HTMLButtonElement).disabled && control.checkVisibility() && control.getClientRects().length > 0,
    );
    const described = controls.map((control) =>
      control instanceof HTMLInputElement && control.type === 'radio' && control.name ? `radio group ${control.name}` : control.outerHTML.slice(0, 120),
    );
    controls.forEach((control, index) =>
      control.setAttribute('data-tab-stop', described[index]!.startsWith('radio group ') ? described[index]! : `${index}: ${described[index]}`),
    );
    return [...new Set(controls.map((control) => control.getAttribute('data-tab-stop')!))];
  });
  const unreached = new Set(stops);
  const unseenFocus: string[] = [];
  // Each stop once, plus a lap around the browser's own stops: the walk may start anywhere in the order.
  for (let press = 0; unreached.size > 0 && press < stops.length * 2 + 10; press++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const active = document.activeElement as HTMLElement | null;
      const stop = active?.getAttribute('data-tab-stop');
      if (!active || !stop) return null;
      const style = getComputedStyle(active);
      return { stop, visible: style.outlineStyle !== 'none' || style.boxShadow !== 'none' };
    });
    if (!focused || !unreached.delete(focused.stop)) continue;
    if (!focused.visible) unseenFocus.push(`focus not visible: ${focused.stop}`);
  }
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.querySelectorAll('[data-tab-stop]').forEach((control) => control.removeAttribute('data-tab-stop'));
  });
  return [...[...unreached].map((stop) => `not reached by Tab: ${stop}`), ...unseenFocus];
}
