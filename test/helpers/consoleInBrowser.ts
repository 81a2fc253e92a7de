// The usual start of a browser test: a fresh appliance sending to its own fake WeCom, and a
// Chromium page, signed in to its console when the test gives the admin password.
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

export interface ConsoleInBrowserOptions {
  /** The bot key (or keys) the fake WeCom knows. */
  key?: string;
  keys?: string[];
  /** Set as ADMIN_PASSWORD; without it the console starts at first-run setup. */
  password?: string;
  /** Sign in once the browser is open (with a password, unless false). */
  signIn?: boolean;
  /** The browser context: locale, viewport, JavaScript, and `consoleErrors: false` where htmx logs expected 502s. */
  context: BrowserContextOptions & { consoleErrors?: boolean };
  labels?: SignInLabels;
  retryBaseMs?: number;
  /** What the test puts in place after the appliance starts and before the browser opens. */
  prepare?: (app: TestAppliance, fake: FakeWecom) => void | Promise<void>;
}

export async function consoleInBrowser(opts: ConsoleInBrowserOptions): Promise<ConsoleInBrowser> {
  const started: Array<{ close(): Promise<void> }> = [];
  const close = async () => {
    for (const s of started.reverse()) await s.close();
  };
  try {
    const fake = await startFakeWecom({ keys: opts.keys ?? (opts.key ? [opts.key] : []) });
    started.push(fake);
    const app = await startTestAppliance({ wecomOrigin: fake.origin, retryBaseMs: opts.retryBaseMs, env: opts.password ? { ADMIN_PASSWORD: opts.password } : {} });
    started.push({ close: () => app.stop() });
    await opts.prepare?.(app, fake);
    const browser = await openBrowserPage(opts.context);
    started.push(browser);
    if (opts.password && opts.signIn !== false) await signInInBrowser(browser.page, app.url, opts.password, opts.labels);
    return { fake, app, browser, page: browser.page, close };
  } catch (e) {
    await close();
    throw e;
  }
}
