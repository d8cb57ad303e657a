import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir, type TestServer } from './server';

/**
 * A real headless Chromium (Debian's, driven by playwright-core) on a page of the dashboard, for the browser
 * tests. FERRITE_SKIP_BROWSER=1 skips them on machines without a browser; otherwise a missing browser fails.
 */

export const CHROMIUM = process.env.FERRITE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');
/** The README's screenshots, refreshed by a run with FERRITE_UPDATE_SCREENSHOTS=1. */
export const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Longer than two 2 s polls, with room for a loaded machine. */
export const WAIT_MS = 10_000;

export const describeBrowser = process.env.FERRITE_SKIP_BROWSER === '1' ? describe.skip : describe;

/** What functions run inside the page touch: this project's tsconfig has Node's types, not the DOM's. */
interface PageElement {
  textContent: string | null;
  blur?(): void;
  replaceChildren?(): void;
  getAttribute?(name: string): string | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
  activeElement: PageElement | null;
};

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors the page raised (failed API calls excepted). */
  pageErrors: string[];
  /** Requests to any origin but the server's (refused). */
  foreignRequests: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile, refusing every request to another origin than `server`'s. */
export async function openBrowser(server: TestServer): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: the dashboard tests need a browser. Install Debian's with ` +
        '`apt-get install -y --no-install-recommends chromium`, point FERRITE_CHROMIUM at another Chromium, ' +
        'or set FERRITE_SKIP_BROWSER=1 to skip these tests.',
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const userDataDir = tempDir('ferrite-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === server.url) return route.continue();
    foreignRequests.push(url.href);
    return route.abort();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(WAIT_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(message.text());
    }
  });
  return {
    context,
    page,
    pageErrors,
    foreignRequests,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function signIn(page: Page, server: TestServer, token = server.token): Promise<void> {
  await page.goto(`${server.url}/ui/`);
  await page.fill('#project-id', server.projectId);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.locator('#queue-filter').waitFor();
}

/** Waits until the element's whole text is `text`, or fails saying what it found. */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, t]) => document.querySelector(s)?.textContent?.trim() === t,
      [selector, text] as const,
      { timeout: WAIT_MS },
    );
  } catch {
    const actual = await page
      .locator(selector)
      .first()
      .textContent({ timeout: 100 })
      .catch(() => null);
    throw new Error(`${selector}: expected text ${JSON.stringify(text)}, found ${JSON.stringify(actual)}`);
  }
}

/**
 * A full-page screenshot under test-artifacts/ui; `readme` also copies it to docs/screenshots/ when
 * FERRITE_UPDATE_SCREENSHOTS=1, without the passing toasts, hover or focus. Taken after a test's checks, so a
 * failing run never replaces the README's pictures.
 */
export async function screenshot(page: Page, name: string, readme = false): Promise<string> {
  if (readme) {
    await page.mouse.move(1, 700);
    await page.evaluate(() => {
      document.getElementById('toasts')?.replaceChildren?.();
      document.activeElement?.blur?.();
    });
  }
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (readme && process.env.FERRITE_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(SCREENSHOTS, { recursive: true });
    copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
  }
  return file;
}
