// The usual start of a browser test: a fresh appliance sending to its own fake WeCom, and a
// Chromium page signed in to its console.
import type { BrowserContextOptions, Page } from 'playwright-core';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { openBrowserPage, signInInBrowser, type BrowserPage, type SignInLabels } from './browser.ts';
import { startTestAppliance, type TestAppliance } from './testAppliance.ts';

export interface ConsoleInBrowser {
  fake: FakeWecom;
  app: TestAppliance;
  browser: BrowserPage;
  page: Page;
  /** Closes the browser, the appliance and the fake, whichever were started. */
  close(): Promise<void>;
}

export async function consoleInBrowser(opts: { key: string; password: string; context: BrowserContextOptions; labels?: SignInLabels }): Promise<ConsoleInBrowser> {
  const started: Array<{ close(): Promise<void> }> = [];
  const close = async () => {
    for (const s of started.reverse()) await s.close();
  };
  try {
    const fake = await startFakeWecom({ keys: [opts.key] });
    started.push(fake);
    const app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: opts.password } });
    started.push({ close: () => app.stop() });
    const browser = await openBrowserPage(opts.context);
    started.push(browser);
    await signInInBrowser(browser.page, app.url, opts.password, opts.labels);
    return { fake, app, browser, page: browser.page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
