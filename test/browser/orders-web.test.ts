import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OrdersWeb, seedOrders, startOrdersWeb } from '../../examples/orders-web/server.js';
import { DocumentStore } from '../../src/index.js';
import { backends } from '../support/backends.js';

// The orders page in Chromium (the Debian package; .ci/run installs it): two people edit
// one order, one of them offline for a while, and no edit is lost.

const CHROMIUM = '/usr/bin/chromium';
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
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results', 'orders-web');

if (!existsSync(CHROMIUM)) {
  console.warn(
    `orders-web browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`,
  );
}

interface Line {
  sku: string;
  qty: number;
}
interface Order {
  id: string;
  note: string;
  lines: Line[];
}

for (const backend of backends) {
  describe.skipIf(!existsSync(CHROMIUM))(`the orders page in Chromium on ${backend.name}`, () => {
    let store: DocumentStore;
    let cleanup: () => Promise<void>;
    let web: OrdersWeb;
    let browser: Browser;
    let step = 0;

    beforeAll(async () => {
      const database = await backend.create();
      cleanup = database.cleanup;
      store = new DocumentStore({ backend: backend.open(database.config) });
      await seedOrders(store);
      web = await startOrdersWeb(store);
      // launch() gives every run a fresh, temporary profile (user data dir).
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
      mkdirSync(ARTIFACTS, { recursive: true });
    });

    afterAll(async () => {
      await browser?.close();
      await web?.close();
      await store?.close();
      await cleanup?.();
    });

    const shot = (page: Page, name: string) =>
      page.screenshot({
        path: join(ARTIFACTS, `${backend.name}-${++step}-${name}.png`),
        fullPage: true,
      });

    async function person(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
      const page = await context.newPage();
      await page.goto(`${web.url}/`);
      await page.click('#orders button[data-id="o-1"]');
      await page.waitForSelector('#lines input[data-sku="tea"]');
      return { context, page };
    }

    const stored = async () => (await store.get(store.collection<Order>('orders'), 'o-1')) as Order;
    const qty = (order: Order, sku: string) => order.lines.find((l) => l.sku === sku)?.qty;
    const status = (page: Page, text: string) =>
      page.locator('#status', { hasText: text }).waitFor();
    // The live list shows a save of o-1 at this ETag (the event stream, not a reload).
    const liveShows = (page: Page, etag: string, timeout: number) =>
      page.waitForSelector(`#live li[data-id="o-1"][data-etag='${etag}']`, { timeout });

    it('two people edit one order: the second save gets the conflict view, merge keeps both edits, the live list follows', async () => {
      const ada = await person();
      const bob = await person();
      await ada.page.fill('#lines input[data-sku="tea"]', '2');
      await ada.page.click('#save');
      await status(ada.page, 'Saved as version "2"');
      await shot(ada.page, 'ada-saved');
      // Pushed to Bob's page over Server-Sent Events as the save commits.
      await liveShows(bob.page, '"2"', 1000);
      await shot(bob.page, 'bob-sees-live-save');

      await bob.page.fill('#lines input[data-sku="cake"]', '3');
      await bob.page.click('#save');
      await bob.page.waitForSelector('#conflict:not([hidden])');
      expect(await bob.page.textContent('#conflict-detail')).toContain('started from version "1"');
      await shot(bob.page, 'bob-conflict');
      expect(qty(await stored(), 'cake')).toBe(1);

      await bob.page.click('#merge');
      await status(bob.page, 'Saved as version "3"');
      await shot(bob.page, 'bob-merged');
      const order = await stored();
      expect([qty(order, 'tea'), qty(order, 'cake')]).toEqual([2, 3]);
      await liveShows(ada.page, '"3"', 1000);
      await ada.context.close();
      await bob.context.close();
    });

    it('an edit made offline is replayed with its old base when back online, and merged from the conflict view', async () => {
      const ada = await person();
      const bob = await person();
      const before = await stored();
      await bob.context.setOffline(true);
      await bob.page.fill('#note', 'leave at the door');
      await bob.page.click('#save');
      await status(bob.page, 'Offline: saved on this device');
      await shot(bob.page, 'bob-offline-edit');

      // Meanwhile Ada, online, changes a line; Bob cannot hear it.
      await ada.page.fill('#lines input[data-sku="tea"]', '5');
      await ada.page.click('#save');
      await status(ada.page, 'Saved as version');
      expect((await stored()).note).toBe(before.note);

      // Back online: the queued edit goes out with If-Match of the version Bob started
      // from, gets 412, and lands in the conflict view instead of over Ada's save.
      await bob.context.setOffline(false);
      await bob.page.waitForSelector('#conflict:not([hidden])');
      await shot(bob.page, 'bob-replayed-conflict');
      expect(qty(await stored(), 'tea')).toBe(5);
      expect((await stored()).note).toBe(before.note);

      await bob.page.click('#merge');
      await status(bob.page, 'Saved as version');
      await shot(bob.page, 'bob-offline-edit-merged');
      const order = await stored();
      expect(order.note).toBe('leave at the door');
      expect([qty(order, 'tea'), qty(order, 'cake')]).toEqual([5, qty(before, 'cake')]);
      // Ada's page hears Bob's save.
      const etag = (await bob.page.textContent('#etag')) as string;
      await liveShows(ada.page, etag, 1000);
      await shot(ada.page, 'ada-sees-merged-save');
      await ada.context.close();
      await bob.context.close();
    });
  });
}
