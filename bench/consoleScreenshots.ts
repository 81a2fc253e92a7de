// Screenshots of the console with rows in it, for before/after notes on layout and wording changes.
//
//   node --import tsx bench/consoleScreenshots.ts --root <checkout> --out <dir> --name <label>
//
// Starts the appliance of <checkout> (default: this one) as its own process, `node --import tsx
// server/main.ts` run in that folder (it needs node_modules there, a symlink will do), on a temp
// data dir, sending to this checkout's fake WeCom (test/fakeWecom.ts, in this process); both on
// 127.0.0.1, random ports. Then, in Debian's Chromium (playwright-core), as an admin would: signs in
// (ADMIN_PASSWORD), connects the bot with the fake's key, creates an inbound token, posts a mix of
// events through POST /api/v1/events (alerts of each severity and category, a storm of stock alerts
// that the engine folds into a digest, a failed and a succeeded task, a report), runs the first
// report job, waits until every message is out (WeCom heard nothing for 5 s and the rate window has
// room), switches the console to 简体中文, and writes
// full-page PNGs into <dir>: <label>-dashboard-1280-zh.png, <label>-sendlog-1280-zh.png
// (1280×800) and <label>-sendlog-390-zh.png (390×844). Timings vary from run to run (which storm
// alerts are folded, the clock), so two runs show the same kinds of rows, not identical pages.
// Only the console's pages and the public API are used, so an older checkout works as well.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeWecom } from '../test/fakeWecom.ts';
import { postEvent } from '../test/helpers/api.ts';
import { openBrowserPage, signInInBrowser } from '../test/helpers/browser.ts';
import { CHILD_SECRET_KEY, freePort } from '../test/helpers/childAppliance.ts';

// A fresh bot key each run: the fake knows it, nothing written down holds one.
const KEY = randomUUID();
const PASSWORD = 'console-screenshots-pass';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const root = resolve(arg('--root', fileURLToPath(new URL('..', import.meta.url))));
const out = resolve(arg('--out', 'test/artifacts/screenshots'));
const label = arg('--name', 'console');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What StoreClaw raises on an ordinary bad morning: each severity and category, mostly in Chinese, one long English title (it widens the table as real titles do). */
const EVENTS: Record<string, unknown>[] = [
  { kind: 'alert', category: 'orders', severity: 'critical', title: '订单量较上周同时段下降 62%', store: '天猫旗舰店', fields: { 本小时订单: 38, 上周同时段: 100 } },
  { kind: 'alert', category: 'store', severity: 'critical', title: '店铺被平台限流：搜索曝光为零', store: '拼多多专营店' },
  { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-1024 库存低于安全库存（剩余 3 件）', store: '天猫旗舰店', fields: { SKU: 'SKU-1024', 剩余: 3 } },
  { kind: 'alert', category: 'ads', severity: 'warning', title: '直通车花费超出日预算 120%', store: '天猫旗舰店', fields: { 花费: '¥6,000', 预算: '¥5,000' } },
  { kind: 'alert', category: 'products', severity: 'warning', title: '3 个商品被下架：主图违规', store: '京东自营店' },
  { kind: 'alert', category: 'ads', severity: 'info', title: 'Campaign "Double 12 warm-up" started on Tmall, JD and Douyin with a daily budget of ¥8,000', store: 'Shopify US' },
  { kind: 'alert', category: 'other', severity: 'info', title: '物流接口延迟恢复正常', store: '京东自营店' },
  { kind: 'alert', category: 'orders', severity: 'info', title: '新客订单占比 41%，高于上周', store: '抖音小店' },
  { kind: 'task_result', category: 'task', status: 'failed', task_name: '同步商品价格', title: '同步商品价格 失败：京东接口超时', duration_ms: 81234 },
  { kind: 'task_result', category: 'task', status: 'succeeded', task_name: '每日库存盘点', title: '每日库存盘点 完成', duration_ms: 12500 },
  { kind: 'report', category: 'other', title: '周报：广告投放', summary: '花费 ¥12,400，ROI 3.1，较上周 +0.4' },
];
/** More queued events than WeCom's 20 a minute can carry in the digest window: the engine folds them. */
const STORM: Record<string, unknown>[] = Array.from({ length: 12 }, (_, i) => ({
  kind: 'alert',
  category: 'inventory',
  severity: 'warning',
  title: `SKU-${2001 + i} 库存不足（剩余 ${(i % 5) + 1} 件）`,
  store: i % 2 ? '抖音小店' : '天猫旗舰店',
}));

async function startAppliance(wecomOrigin: string, dataDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, WECOM_API_ORIGIN: wecomOrigin, ADMIN_PASSWORD: PASSWORD, SECRET_KEY: CHILD_SECRET_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await sleep(100)) {
    if (child.exitCode !== null) throw new Error(`the appliance exited: ${output.join('')}`);
    if (Date.now() > deadline) throw new Error(`the appliance was not ready in 60 s: ${output.join('')}`);
    if (await fetch(url + '/readyz').then((r) => r.ok, () => false)) break;
  }
  return {
    url,
    output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const fake = await startFakeWecom({ keys: [KEY] });
const dataDir = mkdtempSync(join(tmpdir(), 'console-screenshots-'));
const app = await startAppliance(fake.origin, dataDir);
const browser = await openBrowserPage({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
try {
  const { page } = browser;
  await signInInBrowser(page, app.url, PASSWORD);

  await page.goto(app.url + '/channels?form=add');
  await page.getByLabel('Webhook URL').fill(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`);
  await page.getByRole('button', { name: 'Connect WeCom Bot' }).click();
  await page.locator('#wecom-card', { hasText: 'Connected' }).waitFor();

  await page.goto(app.url + '/inbound');
  await page.getByLabel('Token name').fill('StoreClaw 生产环境');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByLabel('Token', { exact: true }).inputValue()).trim();

  for (const event of [...EVENTS, ...STORM]) {
    const res = await postEvent(app.url, token, event);
    if (res.status !== 202) throw new Error(`POST /api/v1/events answered ${res.status}: ${res.text}`);
  }

  // The first report job (the daily summary in a fresh appliance), run by hand.
  await page.goto(app.url + '/reports');
  const job = page.locator('main a[href^="/reports/"]').filter({ hasNotText: /new/i }).first();
  await job.click();
  await page.getByRole('button', { name: 'Run now', exact: true }).click();
  await page.waitForLoadState('load');

  // Settled: 5 s without a message while the rate window had room (while it is full, more may be waiting for it).
  for (let seen = -1, since = Date.now(); Date.now() - since < 5_000; await sleep(250)) {
    const windowFull = fake.received.filter((m) => m.at > Date.now() - 60_000).length >= 20;
    if (fake.received.length !== seen || windowFull) [seen, since] = [fake.received.length, Date.now()];
  }
  console.log(`${label}: WeCom received ${fake.received.length} messages (${[...new Set(fake.received.map((m) => m.msgtype))].join(', ')})`);

  mkdirSync(out, { recursive: true });
  await page.goto(`${app.url}/lang/zh?next=/`);
  const shots: Array<[string, string, number, number]> = [
    ['dashboard-1280-zh', '/', 1280, 800],
    ['sendlog-1280-zh', '/send-log', 1280, 800],
    ['sendlog-390-zh', '/send-log', 390, 844],
  ];
  for (const [name, path, width, height] of shots) {
    await page.setViewportSize({ width, height });
    await page.goto(app.url + path);
    const file = join(out, `${label}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
  if (browser.errors.length) console.log(`page errors: ${browser.errors.join('; ')}`);
} finally {
  await browser.close();
  await app.stop();
  await fake.close();
  rmSync(dataDir, { recursive: true, force: true });
}
