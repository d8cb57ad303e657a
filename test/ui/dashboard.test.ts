import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { api, q } from '../helpers/http';
import { startServer, tempDir, type TestServer } from '../helpers/server';

/**
 * The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against the real server.
 * FERRITE_SKIP_BROWSER=1 skips it on machines without a browser; otherwise a missing browser is a failure.
 */

const CHROMIUM = process.env.FERRITE_CHROMIUM ?? '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'ui');
/** The README's screenshots are refreshed from a run with FERRITE_UPDATE_SCREENSHOTS=1. */
const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
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
/** Longer than two 2 s polls (rates need two samples), with room for a loaded machine. */
const WAIT_MS = 10_000;

/** What the functions run inside the page touch: this project's tsconfig has Node's types, not the DOM's. */
interface PageElement {
  textContent: string | null;
  blur?(): void;
  replaceChildren?(): void;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
  activeElement: PageElement | null;
};
declare const sessionStorage: { length: number };

const describeBrowser = process.env.FERRITE_SKIP_BROWSER === '1' ? describe.skip : describe;

describeBrowser('the dashboard in a browser', () => {
  let server: TestServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  /** `clean`: without passing toasts, hover or focus: a README picture (docs/screenshots/). */
  async function shot(name: string, clean = false): Promise<string> {
    if (clean) {
      await page.mouse.move(1, 700);
      await page.evaluate(() => {
        document.getElementById('toasts')?.replaceChildren?.();
        document.activeElement?.blur?.();
      });
    }
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    // Taken only once the test's checks passed, so a failing run never replaces the README's pictures.
    if (clean && process.env.FERRITE_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SCREENSHOTS, { recursive: true });
      copyFileSync(file, path.join(SCREENSHOTS, `${name}.png`));
    }
    return file;
  }

  /** Waits until the element's whole text is `text` (substring matching would take 13 for 3). */
  async function waitForText(selector: string, text: string): Promise<void> {
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

  const visible = (selector: string) => page.locator(selector).first().waitFor({ timeout: WAIT_MS });

  async function post(
    queue: string,
    count: number,
    body = (i: number) => JSON.stringify({ queue, job: i + 1 }),
  ): Promise<void> {
    for (let start = 0; start < count; start += 100) {
      const messages = Array.from({ length: Math.min(100, count - start) }, (_, i) => ({
        body: body(start + i),
      }));
      await api(server)
        .post(`/queues/${q(queue)}/messages`)
        .send({ messages })
        .expect(201);
    }
  }

  async function signIn(token = server.token): Promise<void> {
    await page.goto(`${server.url}/ui/`);
    await page.fill('#project-id', server.projectId);
    await page.fill('#token', token);
    await page.click('button[type=submit]');
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: the dashboard tests need a browser. Install Debian's with ` +
          '`apt-get install -y --no-install-recommends chromium` (as .ci/run does), point FERRITE_CHROMIUM at ' +
          'another Chromium, or set FERRITE_SKIP_BROWSER=1 to skip these tests.',
      );
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    // A short grace: the browser's idle keep-alive connections would hold the server-down test for 2 s.
    server = await startServer({ env: { FERRITE_DURABILITY: 'off', FERRITE_SHUTDOWN_GRACE_MS: '100' } });
    userDataDir = tempDir('ferrite-chromium-');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    // The dashboard talks to its own server only: anything else is recorded, refused, and fails the last test.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === server.url) return route.continue();
      foreignRequests.push(url.href);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // Failed API calls (401, 404 …) are logged by the browser itself; they are expected here.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        pageErrors.push(message.text());
      }
    });
  }, 20_000);

  afterAll(async () => {
    await context?.close();
    await server?.destroy();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  test('a wrong token is refused with a message, and the form stays', async () => {
    await signIn('not-the-token-at-all');
    await visible('.form-error:not([hidden])');
    expect(await page.textContent('.form-error')).toContain('not valid for this project');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot('sign-in-refused');
  });

  test('signed in to an empty project, the list says how to create a queue', async () => {
    await page.fill('#token', server.token);
    await page.click('button[type=submit]');
    await visible('.state-title');
    expect(await page.textContent('.state-title')).toBe('No queues yet — post a message to create one');
    expect(await page.textContent('#session-project')).toBe(server.projectId);
    await shot('queues-empty');
  });

  test('queues created through the API appear with their sizes, without a reload', async () => {
    await post('orders', 3, (i) => JSON.stringify({ order_id: 4701 + i, action: 'ship' }));
    await post('emails', 1204);
    await post('billing.invoices', 48);
    await api(server)
      .put(`/queues/${q('thumbnails')}`)
      .send({
        queue: {
          message_timeout: 120,
          dead_letter: { queue_name: 'thumbnails-failed', max_reservations: 5 },
        },
      })
      .expect(200);
    await post('thumbnails', 17);
    await post('thumbnails-failed', 2);
    await waitForText('tr[data-queue="orders"] .size', '3');
    await waitForText('tr[data-queue="emails"] .size', '1,204');
    await waitForText('tr[data-queue="emails"] .total', '1,204');
    const names = await page.locator('tbody tr td.name').allTextContents();
    expect(names).toEqual(['billing.invoices', 'emails', 'orders', 'thumbnails', 'thumbnails-failed']);
  });

  test('live rates move when messages come in and go out', async () => {
    await post('orders', 16, (i) =>
      JSON.stringify({ order_id: 4704 + i, action: i % 3 ? 'ship' : 'refund' }),
    );
    await api(server).post(`/queues/emails/reservations`).send({ n: 100, delete: true }).expect(200);
    await page.waitForFunction(
      () =>
        document.querySelector('tr[data-queue="orders"] .rate-in.active') !== null &&
        document.querySelector('tr[data-queue="emails"] .rate-out.active') !== null,
      undefined,
      { timeout: WAIT_MS },
    );
    expect(Number(await page.textContent('tr[data-queue="orders"] .rate-in'))).toBeGreaterThan(0);
    expect(await page.textContent('tr[data-queue="orders"] .size')).toBe('19');
    await shot('dashboard-queues', true);
  });

  test('the list filters by prefix and pages through many queues', async () => {
    for (let i = 0; i < 30; i++) await post(`load-${String(i).padStart(2, '0')}`, 1);
    await page.selectOption('#per-page', '25');
    await page.fill('#queue-filter', 'load-');
    await waitForText('tbody tr:first-child td.name', 'load-00');
    await waitForText('#page-range', 'Queues 1–25');
    expect(await page.locator('tbody tr').count()).toBe(25);
    await page.click('#page-next');
    await waitForText('#page-range', 'Queues 26–30');
    expect(await page.locator('tbody tr td.name').allTextContents()).toEqual([
      'load-25',
      'load-26',
      'load-27',
      'load-28',
      'load-29',
    ]);
    expect(await page.isDisabled('#page-next')).toBe(true);
    await page.click('#page-previous');
    await waitForText('#page-range', 'Queues 1–25');
    await page.fill('#queue-filter', 'nothing-like-this');
    await waitForText('.state-title', 'No queues start with “nothing-like-this”.');
    await page.fill('#queue-filter', '');
    await page.selectOption('#per-page', '50');
    await waitForText('tr[data-queue="orders"] .size', '19');
  });

  test('a queue page shows its settings; a refused change shows the server’s message', async () => {
    await page.click('tr[data-queue="orders"] a');
    await waitForText('#stat-size', '19');
    expect(await page.inputValue('#message-timeout')).toBe('60');
    expect(await page.inputValue('#message-expiration')).toBe('604800');
    await page.fill('#dead-letter-queue', 'orders');
    await page.click('#settings-form button[type=submit]');
    await visible('#settings-form .form-error:not([hidden])');
    expect(await page.textContent('#settings-form .form-error')).toBe(
      '400: A queue cannot be its own dead_letter queue',
    );
    await page.fill('#message-timeout', '300');
    await page.fill('#dead-letter-queue', 'orders-failed');
    await page.fill('#dead-letter-max', '5');
    await page.click('#settings-form button[type=submit]');
    await visible('.toast-success');
    expect(await page.isHidden('#settings-form .form-error')).toBe(true);
    const { body } = await api(server).get('/queues/orders').expect(200);
    expect(body.queue).toMatchObject({
      message_timeout: 300,
      dead_letter: { queue_name: 'orders-failed', max_reservations: 5 },
    });
  });

  test('a message posted from the page changes the size and can be peeked', async () => {
    const text = '{"order_id":4720,"action":"ship","address":"221B Baker Street, London"}';
    await page.fill('#message-body', text);
    await page.click('#post-message');
    await waitForText('#stat-size', '20');
    await page.selectOption('#peek-count', '25');
    await page.waitForFunction(
      (t) => Array.from(document.querySelectorAll('#messages pre.body')).some((e) => e.textContent === t),
      text,
      { timeout: WAIT_MS },
    );
    expect(await page.locator('#messages tbody tr').count()).toBe(20);
    const { body } = await api(server).get('/queues/orders').expect(200);
    expect(body.queue.size).toBe(20);
    await page.selectOption('#peek-count', '10');
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 10);
    await shot('dashboard-queue', true);
  });

  test('clearing asks first, then empties the queue and shows the empty state', async () => {
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click('#clear-queue');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await api(server).get('/queues/orders').expect(200)).body.queue.size).toBe(20);

    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.accept();
    });
    await page.click('#clear-queue');
    await waitForText('#stat-size', '0');
    await waitForText('#messages .state-title', 'This queue is empty.');
    expect(question).toContain('Clear queue “orders”?');
    await shot('queue-cleared');
  });

  test('deleting a queue asks first, then returns to the list without it', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#delete-queue');
    await visible('#queue-filter');
    await page.locator('tr[data-queue="emails"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator('tr[data-queue="orders"]').count()).toBe(0);
    await api(server).get('/queues/orders').expect(404);
  });

  test('a push queue shows its subscribers and a message’s push statuses; a queue with alerts lists them', async () => {
    await api(server)
      .put('/queues/webhooks')
      .send({
        queue: {
          type: 'multicast',
          push: {
            subscribers: [
              { name: 'billing', url: 'http://127.0.0.1:9/hooks/billing' },
              { name: 'audit', url: 'http://127.0.0.1:9/hooks/audit' },
            ],
            retries: 3,
            retries_delay: 60,
            error_queue: 'webhooks-errors',
          },
        },
      })
      .expect(200);
    await post('webhooks', 1);
    await api(server)
      .post('/queues/thumbnails/alerts')
      .send({ alerts: [{ type: 'fixed', direction: 'asc', trigger: 100, queue: 'thumbnails-alerts' }] })
      .expect(200);

    await page.goto(`${server.url}/ui/#/queues/webhooks`);
    await visible('#panel-push:not([hidden])');
    expect(await page.locator('#panel-push tbody td:nth-child(-n+2)').allTextContents()).toEqual([
      'billing',
      'http://127.0.0.1:9/hooks/billing',
      'audit',
      'http://127.0.0.1:9/hooks/audit',
    ]);
    expect(await page.isHidden('#panel-alerts')).toBe(true);
    await page.click('#messages button:has-text("Push status")');
    await visible('#messages .push-statuses');
    // The server may have tried a delivery already (nothing listens there): any state of the row will do.
    expect(await page.locator('#messages .push-statuses tbody tr td:nth-child(1)').allTextContents()).toEqual(
      ['billing', 'audit'],
    );
    for (const status of await page
      .locator('#messages .push-statuses tbody tr td:nth-child(2)')
      .allTextContents()) {
      expect(status).toMatch(/^(queued|reserved|retrying|deleted|error)$/);
    }
    await shot('push-queue');

    await page.goto(`${server.url}/ui/#/queues/thumbnails`);
    await visible('#panel-alerts:not([hidden])');
    expect(await page.locator('#panel-alerts tbody td:nth-child(-n+5)').allTextContents()).toEqual([
      'fixed',
      '100',
      'asc',
      'thumbnails-alerts',
      '—',
    ]);
    expect(await page.isHidden('#panel-push')).toBe(true);
  });

  test('signing out forgets the token', async () => {
    await page.click('#sign-out');
    await visible('#token');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await visible('#token');
  });

  test('when the server goes away, the page says so', async () => {
    await signIn();
    await page.locator('tr[data-queue="emails"]').waitFor({ timeout: WAIT_MS });
    await server.stop();
    await visible('#connection-banner:not([hidden])');
    expect(await page.textContent('#connection-banner')).toContain('Cannot reach the Ferrite server');
    await shot('server-down');
  });

  test('the page raised no script errors and asked nothing of other origins', () => {
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});

describeBrowser('the dashboard’s CrimsonQ consumers', () => {
  let server: TestServer;
  let userDataDir: string;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  /** The CrimsonQ API with the dashboard's own IronMQ token, as the page calls it. */
  const cq = {
    get: (p: string) => request(server.url).get(p).set('Authorization', `OAuth ${server.token}`),
    post: (p: string, body: object) =>
      request(server.url).post(p).set('Authorization', `OAuth ${server.token}`).send(body),
  };

  async function waitForText(selector: string, text: string): Promise<void> {
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

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM} (see the first describe block).`);
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({ env: { FERRITE_DURABILITY: 'off', FERRITE_SHUTDOWN_GRACE_MS: '100' } });
    userDataDir = tempDir('ferrite-chromium-');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(WAIT_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 20_000);

  afterAll(async () => {
    await context?.close();
    await server?.destroy();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  test('consumers have their own page, linked from the header; a failed message is retried there', async () => {
    await cq
      .post('/api/consumer/create', { consumerId: 'thumbnails', topics: 'images/#', concurrency: 2 })
      .expect(200);
    for (const messageString of ['{"image":"cat.png"}', '{"image":"dog.png"}']) {
      await cq.post('/api/msg/push/consumer', { consumerId: 'thumbnails', messageString }).expect(200);
    }
    const pulled = await cq.get('/api/msg/pull/thumbnails').expect(200);
    const key = (pulled.body as { key: string }).key;
    server.clock.advance(5000);
    await cq
      .post('/api/msg/fail', { consumerId: 'thumbnails', messageId: key, errMsg: 'decoder crashed' })
      .expect(200);

    await page.goto(`${server.url}/ui/`);
    await page.fill('#project-id', server.projectId);
    await page.fill('#token', server.token);
    await page.click('button[type=submit]');
    // The queue list says how many consumers there are and links to their page.
    await page.locator('#panel-consumers:not([hidden])').waitFor();
    await waitForText('#consumers-summary', '1 consumer, with their messages by status.');
    expect(await page.getAttribute('#consumers-tab', 'href')).toBe('#/consumers');
    await page.click('#nav-consumers');
    await page.waitForURL(/#\/consumers$/);
    expect(await page.getAttribute('#nav-consumers', 'aria-current')).toBe('page');
    await waitForText('tr[data-consumer="thumbnails"] .count-pending', '1');
    await waitForText('tr[data-consumer="thumbnails"] .count-failed', '1');
    await waitForText('tr[data-consumer="thumbnails"] .count-active', '0');

    await page.click('tr[data-consumer="thumbnails"] a');
    await page.waitForURL(/#\/consumers\/thumbnails$/);
    await waitForText('#consumer-name', 'thumbnails');
    await waitForText('#consumer-count-failed', '1');
    await page.locator('#consumer-messages tbody tr').first().waitFor();
    expect(await page.locator('#consumer-messages pre.body').allTextContents()).toHaveLength(1);
    await page.click('.tab[data-status="failed"]');
    const row = `#consumer-messages tr[data-message="${key}"]`;
    await page.locator(row).waitFor();
    expect(await page.textContent(`${row} .msg-error`)).toBe('decoder crashed');
    expect(await page.textContent(`${row} pre.body`)).toBe('{"image":"cat.png"}');
    // Its status history, oldest first: created and pulled, then failed five seconds later.
    const history = await page
      .locator(`${row} .history-entry`)
      .evaluateAll((entries) =>
        entries.map((entry) => (entry as unknown as { dataset: { status: string } }).dataset.status),
      );
    expect(history).toEqual(['created', 'active', 'failed']);
    await page.click(`${row} .msg-retry`);
    await waitForText('#consumer-count-pending', '2');
    await waitForText('#consumer-count-failed', '0');
    await waitForText('#consumer-messages .state-title', 'No failed messages.');
    expect((await cq.get('/api/msg/counts/thumbnails').expect(200)).body).toMatchObject({
      pending: 2,
      failed: 0,
    });

    // Delete asks first: dismissed, nothing happens; accepted, the message is gone.
    await page.click('.tab[data-status="pending"]');
    await page.locator(row).waitFor();
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click(`${row} .msg-delete`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await cq.get('/api/msg/counts/thumbnails').expect(200)).body).toMatchObject({ pending: 2 });
    await page.mouse.move(1, 700);
    await page.evaluate(() => document.getElementById('toasts')?.replaceChildren?.());
    const file = path.join(ARTIFACTS, 'consumers.png');
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.FERRITE_UPDATE_SCREENSHOTS === '1') {
      mkdirSync(SCREENSHOTS, { recursive: true });
      copyFileSync(file, path.join(SCREENSHOTS, 'dashboard-consumers.png'));
    }

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click(`${row} .msg-delete`);
    await waitForText('#consumer-count-pending', '1');

    await page.click('#consumers-back');
    await page.waitForURL(/#\/consumers$/);
    await waitForText('tr[data-consumer="thumbnails"] .count-pending', '1');
    expect(pageErrors).toEqual([]);
  });

  test('retry all, flush completed and flush failed, each from the consumer page', async () => {
    await cq.post('/api/consumer/create', { consumerId: 'batch', concurrency: 0 }).expect(200);
    for (let i = 0; i < 5; i++) {
      await cq.post('/api/msg/push/consumer', { consumerId: 'batch', messageString: `job ${i}` }).expect(200);
    }
    const keys: string[] = [];
    for (let i = 0; i < 5; i++)
      keys.push(((await cq.get('/api/msg/pull/batch').expect(200)).body as { key: string }).key);
    for (const key of keys.slice(0, 3)) {
      await cq.post('/api/msg/fail', { consumerId: 'batch', messageId: key, errMsg: 'boom' }).expect(200);
    }
    for (const key of keys.slice(3)) {
      await cq.post('/api/msg/complete', { consumerId: 'batch', messageId: key }).expect(200);
    }
    const counts = async () =>
      (await cq.get('/api/msg/counts/batch').expect(200)).body as Record<string, number>;

    // A consumer page opens from its own address too.
    await page.goto(`${server.url}/ui/#/consumers/batch`);
    await waitForText('#consumer-name', 'batch');
    await waitForText('#consumer-count-failed', '3');
    await waitForText('#consumer-count-completed', '2');

    await page.click('#consumer-retry-all');
    await waitForText('#consumer-count-failed', '0');
    await waitForText('#consumer-count-pending', '3');
    expect(await counts()).toMatchObject({ pending: 3, failed: 0, completed: 2 });

    // Fail one again, so that there is something to flush.
    const again = ((await cq.get('/api/msg/pull/batch').expect(200)).body as { key: string }).key;
    await cq
      .post('/api/msg/fail', { consumerId: 'batch', messageId: again, errMsg: 'boom again' })
      .expect(200);
    await waitForText('#consumer-count-failed', '1');

    // Each flush asks first: dismissed, nothing is removed.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.click('#consumer-flush-complete');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await counts()).toMatchObject({ completed: 2 });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#consumer-flush-complete');
    await waitForText('#consumer-count-completed', '0');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#consumer-flush-failed');
    await waitForText('#consumer-count-failed', '0');
    expect(await counts()).toEqual({ active: 0, completed: 0, delayed: 0, failed: 0, pending: 2 });
    expect(pageErrors).toEqual([]);
  });
});
