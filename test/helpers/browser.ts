import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test/artifacts';

/** Debian's Chromium, headless; the networking flags stop it dialling out on a closed network. */
async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface BrowserPage {
  page: Page;
  /** The page's script errors, and its console errors unless they were left out; a test expects it empty. */
  errors: string[];
  /** Closes the context, then the browser. */
  close(): Promise<void>;
}

/**
 * Chromium with one page in a new context (the options say its locale, viewport, JavaScript).
 * Console errors are collected unless `consoleErrors` is false: htmx logs each error answer
 * (a 502 from a WeCom refusal) there, so tests that provoke one leave them out.
 * "Failed to load resource" is never counted: 4xx answers to form posts are expected.
 */
export async function openBrowserPage({ consoleErrors = true, ...options }: BrowserContextOptions & { consoleErrors?: boolean }): Promise<BrowserPage> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (consoleErrors) page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
    const close = async () => {
      await context.close();
      await browser.close();
    };
    return { page, errors, close };
  } catch (e) {
    await browser.close();
    throw e;
  }
}

/** The login page's words in the console's language. */
export interface SignInLabels {
  password: string;
  signIn: string;
}
const SIGN_IN_EN: SignInLabels = { password: 'Password', signIn: 'Sign in' };
export const SIGN_IN_ZH: SignInLabels = { password: '密码', signIn: '登录' };

/** Signs in through /login with the password form and waits for the dashboard. */
export async function signInInBrowser(page: Page, appUrl: string, password: string, labels: SignInLabels = SIGN_IN_EN): Promise<void> {
  await page.goto(appUrl + '/login');
  await page.getByLabel(labels.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: labels.signIn }).click();
  await page.waitForURL(appUrl + '/');
}
