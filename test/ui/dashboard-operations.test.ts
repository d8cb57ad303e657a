import type { Page } from 'playwright-core';
import { api, q } from '../helpers/http';
import {
  WAIT_MS,
  describeBrowser,
  openBrowser,
  screenshot,
  signIn,
  waitForText,
  type BrowserSession,
} from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The dashboard's operator views in a real Chromium against the real server: the reserved messages of a queue,
 * and push subscribers and alerts edited from the queue page.
 */

describeBrowser('the dashboard for operators', () => {
  let server: TestServer;
  let browser: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ env: { FERRITE_DURABILITY: 'off', FERRITE_SHUTDOWN_GRACE_MS: '100' } });
    browser = await openBrowser(server);
    page = browser.page;
    await signIn(page, server);
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  const queueInfo = async (name: string) =>
    (
      await api(server)
        .get(`/queues/${q(name)}`)
        .expect(200)
    ).body.queue;

  /** Answers the next confirmation dialog, returning its question. */
  function answerNextDialog(accept: boolean): Promise<string> {
    return new Promise((resolve) => {
      page.once('dialog', (dialog) => {
        resolve(dialog.message());
        void (accept ? dialog.accept() : dialog.dismiss());
      });
    });
  }

  test('the reserved messages of a queue: id, until, times reserved, the body shortened; they leave when deleted', async () => {
    const http = api(server);
    const long = JSON.stringify({ invoice: 7731, lines: Array.from({ length: 20 }, (_, i) => `item ${i}`) });
    await http
      .post('/queues/invoices/messages')
      .send({
        messages: [
          { body: '{"invoice":7729,"customer":"acme"}' },
          { body: long },
          { body: '{"invoice":7732}' },
          { body: '{"invoice":7733}' },
        ],
      })
      .expect(201);
    const first = await http.post('/queues/invoices/reservations').send({ n: 2, timeout: 300 }).expect(200);
    server.clock.advance(5000);
    const second = await http.post('/queues/invoices/reservations').send({ n: 1, timeout: 600 }).expect(200);
    const held = [...first.body.messages, ...second.body.messages] as {
      id: string;
      reservation_id: string;
      reserved_until: string;
    }[];

    await page.goto(`${server.url}/ui/#/queues/invoices`);
    await page.locator('#reserved:not([hidden]) .reserved-table').waitFor();
    await waitForText(page, '#reserved-count', '3 held');
    expect(
      await page
        .locator('#reserved tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-message'))),
    ).toEqual(held.map((m) => m.id));
    expect(
      await page
        .locator('#reserved tbody td.until')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('title'))),
    ).toEqual(held.map((m) => m.reserved_until));
    expect(await page.locator('#reserved tbody td.times').allTextContents()).toEqual(['1', '1', '1']);
    const bodies = await page.locator('#reserved tbody code.body-short').allTextContents();
    expect(bodies[0]).toBe('{"invoice":7729,"customer":"acme"}');
    expect(bodies[1]).toHaveLength(81);
    expect(bodies[1]!.endsWith('…')).toBe(true);
    // The page never shows (or receives) a reservation id.
    expect(await page.content()).not.toContain(held[0]!.reservation_id);
    // The peek above lists only the one message nobody holds.
    await page.waitForFunction(() => document.querySelectorAll('#messages tbody tr').length === 1);
    await screenshot(page, 'dashboard-reserved', true);

    await http
      .delete(`/queues/invoices/messages/${held[0]!.id}`)
      .send({ reservation_id: held[0]!.reservation_id })
      .expect(200);
    await waitForText(page, '#reserved-count', '2 held');
    expect(await page.locator('#reserved tbody tr').count()).toBe(2);
  });

  test('push subscribers are added, updated, refused with the server’s reason, and removed after a confirmation', async () => {
    await api(server)
      .put('/queues/webhooks')
      .send({
        queue: {
          type: 'multicast',
          push: { subscribers: [{ name: 'billing', url: 'http://127.0.0.1:9/billing' }] },
        },
      })
      .expect(200);
    await page.goto(`${server.url}/ui/#/queues/webhooks`);
    await page.locator('#panel-push:not([hidden]) #subscriber-form').waitFor();
    // A push queue has no reserved view and no alerts.
    expect(await page.isHidden('#reserved')).toBe(true);
    expect(await page.isHidden('#panel-alerts')).toBe(true);

    await page.fill('#subscriber-name', 'audit');
    await page.fill('#subscriber-url', 'https://audit.example.com/hooks/ferrite');
    await page.fill('#subscriber-headers', '{"X-Env": "ci"');
    await page.click('#subscriber-form button[type=submit]');
    await waitForText(
      page,
      '#panel-push .form-error',
      'Headers must be a JSON object, such as {"Authorization": "Bearer …"}.',
    );
    expect((await queueInfo('webhooks')).push.subscribers).toHaveLength(1);

    await page.fill('#subscriber-headers', '{"X-Env": "ci"}');
    await page.click('#subscriber-form button[type=submit]');
    await page.locator('#panel-push tr[data-subscriber="audit"]').waitFor();
    expect(await page.isHidden('#panel-push .form-error')).toBe(true);
    expect((await queueInfo('webhooks')).push.subscribers).toEqual([
      expect.objectContaining({ name: 'billing' }),
      { name: 'audit', url: 'https://audit.example.com/hooks/ferrite', headers: { 'X-Env': 'ci' } },
    ]);

    await page.fill('#subscriber-name', 'broken');
    await page.fill('#subscriber-url', 'ftp://example.com/x');
    await page.fill('#subscriber-headers', '');
    await page.click('#subscriber-form button[type=submit]');
    await waitForText(
      page,
      '#panel-push .form-error',
      '400: A subscriber url must be http://, https:// or ironmq:///queue_name',
    );
    expect((await queueInfo('webhooks')).push.subscribers).toHaveLength(2);

    await page.fill('#push-retries', '5');
    await page.fill('#push-retries-delay', '30');
    await page.fill('#push-error-queue', 'webhooks-errors');
    await page.click('#push-settings-form button[type=submit]');
    await waitForText(page, '#push-retries-value', '5');
    expect((await queueInfo('webhooks')).push).toMatchObject({
      retries: 5,
      retries_delay: 30,
      error_queue: 'webhooks-errors',
    });
    await screenshot(page, 'dashboard-push-edit', true);

    let question = answerNextDialog(false);
    await page.click('#panel-push tr[data-subscriber="billing"] .subscriber-remove');
    expect(await question).toContain('Remove subscriber “billing” from “webhooks”?');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await queueInfo('webhooks')).push.subscribers).toHaveLength(2);

    question = answerNextDialog(true);
    await page.click('#panel-push tr[data-subscriber="billing"] .subscriber-remove');
    await question;
    await page.locator('#panel-push tr[data-subscriber="billing"]').waitFor({ state: 'detached' });
    expect((await queueInfo('webhooks')).push.subscribers.map((s: { name: string }) => s.name)).toEqual([
      'audit',
    ]);

    // The last subscriber cannot go: the server says why.
    question = answerNextDialog(true);
    await page.click('#panel-push tr[data-subscriber="audit"] .subscriber-remove');
    await question;
    await waitForText(page, '#panel-push .form-error', '400: A push queue needs at least one subscriber');
    expect((await queueInfo('webhooks')).push.subscribers).toHaveLength(1);
  });

  test('alerts are added, refused with the server’s reason, and deleted after a confirmation', async () => {
    await page.goto(`${server.url}/ui/#/queues/invoices`);
    await page.locator('#panel-alerts:not([hidden]) #alert-form').waitFor();
    await waitForText(page, '#no-alerts', 'No alerts. Add one to be told when this queue grows or shrinks.');

    await page.selectOption('#alert-type', 'progressive');
    await page.selectOption('#alert-direction', 'asc');
    await page.fill('#alert-trigger', '1000');
    await page.fill('#alert-queue', 'invoices');
    await page.click('#alert-form button[type=submit]');
    await waitForText(page, '#panel-alerts .form-error', '400: An alert cannot post to the queue it watches');
    expect((await queueInfo('invoices')).alerts ?? []).toEqual([]);

    await page.fill('#alert-queue', 'scale-up');
    await page.fill('#alert-snooze', '60');
    await page.click('#alert-form button[type=submit]');
    await page.locator('#panel-alerts .alert-table tbody tr').waitFor();
    await page.selectOption('#alert-type', 'fixed');
    await page.selectOption('#alert-direction', 'desc');
    await page.fill('#alert-trigger', '10');
    await page.fill('#alert-queue', 'scale-down');
    await page.fill('#alert-snooze', '');
    await page.click('#alert-form button[type=submit]');
    await page.waitForFunction(
      () => document.querySelectorAll('#panel-alerts .alert-table tbody tr').length === 2,
    );
    const alerts = (await queueInfo('invoices')).alerts as { id: string; type: string }[];
    expect(alerts).toEqual([
      expect.objectContaining({
        type: 'progressive',
        direction: 'asc',
        trigger: 1000,
        queue: 'scale-up',
        snooze: 60,
      }),
      expect.objectContaining({ type: 'fixed', direction: 'desc', trigger: 10, queue: 'scale-down' }),
    ]);
    expect(await page.locator('#panel-alerts tbody td:nth-child(-n+5)').allTextContents()).toEqual([
      'progressive',
      '1000',
      'asc',
      'scale-up',
      '60 s',
      'fixed',
      '10',
      'desc',
      'scale-down',
      '—',
    ]);
    await screenshot(page, 'dashboard-alerts-edit', true);

    let question = answerNextDialog(false);
    await page.click(`#panel-alerts tr[data-alert="${alerts[0]!.id}"] .alert-delete`);
    expect(await question).toBe('Delete the progressive alert at 1000 (asc) of “invoices”?');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await queueInfo('invoices')).alerts).toHaveLength(2);

    question = answerNextDialog(true);
    await page.click(`#panel-alerts tr[data-alert="${alerts[0]!.id}"] .alert-delete`);
    await question;
    await page
      .locator(`#panel-alerts tr[data-alert="${alerts[0]!.id}"]`)
      .waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(((await queueInfo('invoices')).alerts as { id: string }[]).map((a) => a.id)).toEqual([
      alerts[1]!.id,
    ]);
  });

  test('the page raised no script errors and asked nothing of other origins', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
  });
});

declare const document: { querySelectorAll(selector: string): ArrayLike<unknown> };
