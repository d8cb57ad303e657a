import type { Page } from 'playwright-core';
import { api } from '../helpers/http';
import {
  describeBrowser,
  openBrowser,
  screenshot,
  signIn,
  waitForText,
  type BrowserSession,
} from '../helpers/browser';
import { startServer, type TestServer } from '../helpers/server';

/**
 * The dashboard's stats over time (charts on the queue page, activity lines in the list) and the dead-letter
 * redrive, in a real Chromium against the real server, with an hour of real traffic made on a fake clock.
 */

interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(selector: string): PageElement | null };

const MIN = 60_000;

describeBrowser('the dashboard’s activity charts and redrive', () => {
  let server: TestServer;
  let browser: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    server = await startServer({ env: { FERRITE_DURABILITY: 'off', FERRITE_SHUTDOWN_GRACE_MS: '100' } });
    const http = api(server);
    server.clock.set(Date.UTC(2026, 0, 1, 11, 0, 0));
    await http
      .put('/queues/orders')
      .send({ queue: { dead_letter: { queue_name: 'orders-failed', max_reservations: 1 } } })
      .expect(200);
    // An hour of traffic: a morning rush into orders, workers catching up, some orders failing.
    for (let minute = 0; minute < 58; minute++) {
      const rush = minute < 25 ? 4 + (minute % 5) * 3 : 2 + (minute % 3);
      const messages = Array.from({ length: rush }, (_, i) => ({
        body: JSON.stringify({ order: minute * 100 + i }),
      }));
      await http.post('/queues/orders/messages').send({ messages }).expect(201);
      await http
        .post('/queues/emails/messages')
        .send({ messages: [{ body: `mail ${minute}` }] })
        .expect(201);
      const take = minute < 20 ? 2 : 8;
      const got = await http.post('/queues/orders/reservations').send({ n: take, timeout: 30 }).expect(200);
      for (const [i, m] of (got.body.messages as { id: string; reservation_id: string }[]).entries()) {
        // Every seventh one is left to time out, and fails on its next reservation.
        if (i % 7 === 6) continue;
        await http
          .delete(`/queues/orders/messages/${m.id}`)
          .send({ reservation_id: m.reservation_id })
          .expect(200);
      }
      // The server writes every 10 s; once a minute is enough to give each minute its size.
      await server.activity.flush();
      server.clock.advance(MIN);
    }
    browser = await openBrowser(server);
    page = browser.page;
    await signIn(page, server);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.destroy();
  });

  test('the queue page draws size and in/out over the last hour, and over the day', async () => {
    const stats = (await api(server).get('/queues/orders/stats').expect(200)).body.stats;
    const hour = stats.hour.buckets as {
      posted: number;
      deleted: number;
      expired: number;
      dead_lettered: number;
      reserved: number;
      size: number | null;
    }[];
    const sum = (pick: (b: (typeof hour)[number]) => number) => hour.reduce((total, b) => total + pick(b), 0);
    const posted = sum((b) => b.posted);
    const out = sum((b) => b.deleted + b.expired + b.dead_lettered);
    expect(posted).toBeGreaterThan(300);

    await page.goto(`${server.url}/ui/#/queues/orders`);
    await page.locator('#activity:not([hidden]) #chart-size svg.chart').waitFor();
    await waitForText(
      page,
      '#activity-totals',
      `Last hour, by minute: ${posted.toLocaleString('en-US')} in, ${out.toLocaleString('en-US')} out, ` +
        `${sum((b) => b.reserved).toLocaleString('en-US')} reserved, ${sum((b) => b.dead_lettered)} dead-lettered.`,
    );
    // One point per minute bucket, every one known (the first post came before the window).
    const points = (selector: string) =>
      page.evaluate(
        (s) => (document.querySelector(s)?.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length,
        selector,
      );
    expect(await points('#chart-flow [data-series="in"] .chart-line')).toBe(60);
    expect(await points('#chart-flow [data-series="out"] .chart-line')).toBe(60);
    const knownSizes = hour.filter((b) => b.size !== null).length;
    expect(await points('#chart-size [data-series="size"] .chart-line')).toBe(knownSizes);
    // The axis goes up to a round number at or above the largest value.
    const maxIn = Math.max(...hour.map((b) => b.posted), ...hour.map((b) => b.reserved));
    const axis = Number(await page.getAttribute('#chart-flow svg.chart', 'data-max'));
    expect(axis).toBeGreaterThanOrEqual(maxIn);
    expect(axis).toBeLessThan(maxIn * 2.5);
    // Each bucket tells its values on hover.
    const last = await page.locator('#chart-flow .chart-hover').last().locator('title').textContent();
    expect(last).toMatch(/^\d{2}:\d{2}\nIn: \d+\nOut: \d+\nReserved: \d+$/);
    await screenshot(page, 'dashboard-activity', true);

    await page.click('#activity .tab[data-period="day"]');
    await page.waitForFunction(() =>
      (document.querySelector('#activity-totals')?.textContent ?? '').startsWith('Last day'),
    );
    expect(await page.getAttribute('#activity .tab[data-period="day"]', 'aria-pressed')).toBe('true');
    expect(await points('#chart-flow [data-series="in"] .chart-line')).toBe(144);
  });

  test('the queue list draws each queue’s last hour as a small line', async () => {
    await page.goto(`${server.url}/ui/#/`);
    await page.locator('tr[data-queue="orders"] td.activity svg.sparkline').waitFor();
    await page.locator('tr[data-queue="emails"] td.activity svg.sparkline').waitFor();
    const title = await page.locator('tr[data-queue="orders"] td.activity svg.sparkline title').textContent();
    expect(title).toBe('orders: messages in and out per minute, last hour');
    expect(await page.locator('tr[data-queue="orders"] td.activity path[data-series="in"]').count()).toBe(1);
    await screenshot(page, 'dashboard-queue-list-activity', true);
  });

  test('a dead-letter queue moves its messages back after a confirmation, and says why when it cannot', async () => {
    const failed = (await api(server).get('/queues/orders-failed').expect(200)).body.queue.size as number;
    expect(failed).toBeGreaterThan(3);
    await page.goto(`${server.url}/ui/#/queues/orders-failed`);
    await page.locator('#panel-redrive:not([hidden]) #redrive-form').waitFor();
    await waitForText(page, '#redrive-sources', 'Dead-letter queue of: orders.');
    await waitForText(page, '#redrive-summary', `${failed} messages can move (orders: ${failed}).`);
    // The queue an order queue sends to is not a dead-letter queue: no panel there.
    expect(await page.isHidden('#panel-redrive')).toBe(false);

    await page.fill('#redrive-count', '2');
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });
    await page.click('#redrive-submit');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(question).toBe(
      'Move the oldest 2 dead letters of “orders-failed” back to the queue each came from?',
    );
    expect((await api(server).get('/queues/orders-failed')).body.queue.size).toBe(failed);
    await screenshot(page, 'dashboard-redrive', true);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#redrive-submit');
    await waitForText(page, '#redrive-summary', `${failed - 2} messages can move (orders: ${failed - 2}).`);
    expect((await api(server).get('/queues/orders-failed')).body.queue.size).toBe(failed - 2);

    await page.fill('#redrive-count', '');
    await page.fill('#redrive-to', 'nowhere');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#redrive-submit');
    await waitForText(
      page,
      '#panel-redrive .form-error',
      '404: Queue not found: nowhere (the redrive target)',
    );
    expect((await api(server).get('/queues/orders-failed')).body.queue.size).toBe(failed - 2);

    await page.fill('#redrive-to', '');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#redrive-submit');
    await waitForText(page, '#redrive-summary', 'No dead letter to move right now.');
    expect(await page.isDisabled('#redrive-submit')).toBe(true);
    expect((await api(server).get('/queues/orders-failed')).body.queue.size).toBe(0);
  });

  test('a queue no queue sends dead letters to has no redrive panel', async () => {
    await page.goto(`${server.url}/ui/#/queues/emails`);
    await page.locator('#activity:not([hidden])').waitFor();
    expect(await page.isHidden('#panel-redrive')).toBe(true);
  });

  test('the page raised no script errors and asked nothing of other origins', () => {
    expect(browser.pageErrors).toEqual([]);
    expect(browser.foreignRequests).toEqual([]);
  });
});
