// Review round 5, in Chromium (playwright-core, Debian's chromium): console flows with JavaScript on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { getHeartbeatCheck } from '../../db/queries/heartbeats.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { consoleInBrowser, type ConsoleInBrowser } from '../helpers/consoleInBrowser.ts';
import type { TestAppliance } from '../helpers/testAppliance.ts';

const PASSWORD = 'review-flows-e2e-5';

describe('long names in the browser (1280 px): a 200-character title without spaces', { timeout: 90_000 }, () => {
  let session: ConsoleInBrowser | undefined;
  let app: TestAppliance;
  let page: Page;
  // The longest title the API takes (200 characters), one word: an order-sync job's identifier.
  const TITLE = ('ORDER_SYNC_FAILED_TMALL_FLAGSHIP_STORE_' + 'SKU1024SKU1025SKU1026'.repeat(8)).slice(0, 200);

  beforeAll(async () => {
    session = await consoleInBrowser({ password: PASSWORD, context: { locale: 'en-US', viewport: { width: 1280, height: 900 } } });
    ({ app, page } = session);
    const { issueApiToken } = await import('../../server/security/apiTokens.ts');
    const { postEvent } = await import('../helpers/api.ts');
    const token = issueApiToken(app.deps, { name: 'review', requireSignature: false, now: Date.now() }).token;
    expect((await postEvent(app.url, token, { kind: 'alert', category: 'orders', severity: 'warning', title: TITLE, store: 'Tmall' })).status).toBe(202);
  });
  afterAll(() => session?.close());

  for (const path of ['/send-log', '/inbound', '/']) {
    it(`${path} does not overflow the window sideways`, async () => {
      await page.goto(app.url + path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${path} is wider than the 1280 px window by`).toBeLessThanOrEqual(0);
    });
  }
});
