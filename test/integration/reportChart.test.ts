import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery } from '../../server/delivery/store.ts';
import { getReportJob, listReportJobs, listReportRuns, runDeliveryIds } from '../../db/queries/reports.ts';
import { charactersWithoutGlyph } from '../../server/charts/rasterise.ts';
import { dailyPeriods } from '../../server/time/periods.ts';
import { enqueueReport, renderJobChart, renderJobReport } from '../../server/reports/runReport.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { waitFor } from '../helpers/api.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { seedEvent } from '../helpers/reportData.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PASSWORD = 'report-chart-pass';
const TZ = 'Asia/Shanghai';
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

describe('report chart images: Run now → markdown then a PNG at the fake WeCom; previews and send log show the picture', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let admin: ConsoleClient;
  let dailyId: number;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: PASSWORD } });
    admin = new ConsoleClient(app.url);
    await admin.signIn(PASSWORD);
    expect((await admin.postForm('/channels/wecom/connect', { url: KEY })).status).toBe(303);
    const yesterday = dailyPeriods(Date.now(), TZ).current;
    const before = dailyPeriods(Date.now(), TZ).previous;
    for (const [store, value, previous] of [
      ['杭州旗舰店', 1234, 1100],
      ['上海徐汇店', 860, 900],
    ] as const) {
      seedEvent(app.deps.db, { kind: 'metric', name: '订单数', store, value, at: yesterday.start + 3600_000 });
      seedEvent(app.deps.db, { kind: 'metric', name: '订单数', store, value: previous, at: before.start + 3600_000 });
    }
    seedEvent(app.deps.db, { kind: 'alert', category: 'inventory', severity: 'warning', store: '杭州旗舰店', at: yesterday.start + 7200_000 });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('the seeded daily and weekly jobs attach a chart', () => {
    const jobs = listReportJobs(app.deps.db);
    expect(jobs.map((j) => [j.type, j.attachChart])).toEqual([
      ['daily_summary', true],
      ['weekly_summary', true],
    ]);
    dailyId = jobs[0]!.id;
  });

  it('Run now queues the text then the PNG; the fake WeCom accepts both, in that order, the image valid', async () => {
    const res = await admin.postForm(`/reports/${dailyId}/run`);
    expect(res.status).toBe(303);
    const run = listReportRuns(app.deps.db, dailyId, { limit: 1 })[0]!;
    const ids = runDeliveryIds(run);
    expect(ids.map((id) => getDelivery(app.deps.db, id)!.msgtype)).toEqual(['markdown', 'image']);
    await waitFor(() => ids.every((id) => getDelivery(app.deps.db, id)!.status === 'sent'), 10_000);
    expect(ids.map((id) => getDelivery(app.deps.db, id)!.status)).toEqual(['sent', 'sent']);

    const received = fake.receivedFor(KEY).filter((m) => m.msgtype === 'markdown' || m.msgtype === 'image');
    const last = received.slice(-2);
    expect(last.map((m) => m.msgtype)).toEqual(['markdown', 'image']);
    const image = last[1]!.body.image as { base64: string; md5: string };
    const png = Buffer.from(image.base64, 'base64');
    expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(createHash('md5').update(png).digest('hex')).toBe(image.md5);
    expect(png.length).toBeLessThan(200 * 1024);
  });

  it('the send log shows the image row as the picture, served behind sign-in with the exact bytes', async () => {
    const run = listReportRuns(app.deps.db, dailyId, { limit: 1 })[0]!;
    const imageId = runDeliveryIds(run)[1]!;
    const detail = await admin.get(`/send-log/${imageId}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toContain(`<img src="/send-log/${imageId}/image"`);
    expect(detail.body).not.toContain('src="data:');
    const stored = JSON.parse(getDelivery(app.deps.db, imageId)!.payload) as { image: { base64: string } };

    const served = await fetch(`${app.url}/send-log/${imageId}/image`, { headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(stored.image.base64, 'base64'))).toBe(true);

    const anonymous = await fetch(`${app.url}/send-log/${imageId}/image`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/login/);
    // A text row has no picture.
    expect((await admin.get(`/send-log/${runDeliveryIds(run)[0]!}/image`)).status).toBe(404);
  });

  it('Preview shows the exact PNG a run sends, with its byte size, the Chinese labels all drawable', async () => {
    const page = await admin.get(`/reports/${dailyId}/preview`);
    expect(page.status).toBe(200);
    const src = /<img src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(page.body);
    expect(src).not.toBeNull();
    const png = Buffer.from(src![1]!, 'base64');
    expect([...png.subarray(0, 8)]).toEqual(PNG_MAGIC);
    const badge = /<span class="size ok" data-bytes="(\d+)">([^<]*)<\/span>/.exec(page.body.slice(page.body.indexOf('report-preview-chart')));
    expect(Number(badge![1])).toBe(png.length);
    expect(unescape(badge![2]!)).toMatch(new RegExp(`^(${png.length} bytes of PNG|PNG ${png.length} 字节)`));
    // The same chart a run draws (same data, same time of day): the labels have glyphs.
    const job = getReportJob(app.deps.db, dailyId)!;
    const chart = await renderJobChart(app.deps, job, Date.now(), async (svg) => {
      expect(svg).toContain('杭州旗舰店');
      expect(svg).toContain('订单数');
      expect(charactersWithoutGlyph(svg)).toEqual([]);
      return png;
    });
    expect(chart.ok).toBe(true);
  });

  it('the job form saves "attach chart" and the metrics to draw', async () => {
    const job = getReportJob(app.deps.db, dailyId)!;
    const res = await admin.postForm(`/reports/${dailyId}`, { name: job.name, type: job.type, cron: job.cron, timezone: job.timezone, template: '', enabled: 'on', chartMetrics: ' 订单数 \n\n订单数\n转化率' });
    expect(res.status).toBe(303);
    expect(getReportJob(app.deps.db, dailyId)).toMatchObject({ attachChart: false, chartMetrics: '订单数\n转化率' });
    const edit = textOf((await admin.get(`/reports/${dailyId}/edit`, { 'accept-language': 'zh-CN' })).body);
    expect(edit).toContain('附带图表图片');
  });

  it('a chart that cannot be drawn never holds the text: the text is queued, the send log says why', async () => {
    const job = { ...getReportJob(app.deps.db, dailyId)!, attachChart: true };
    const now = Date.now();
    const chart = await renderJobChart(app.deps, job, now, async () => {
      throw new Error('rasteriser unavailable');
    });
    expect(chart).toEqual({ ok: false, error: 'rasteriser unavailable' });
    const ids = enqueueReport(app.deps.db, renderJobReport(app.deps, job, now), now, chart);
    app.deps.wakeWorker();
    const [text, image] = ids.map((id) => getDelivery(app.deps.db, id)!);
    expect(text!.msgtype).toBe('markdown');
    expect(image).toMatchObject({ msgtype: 'image', status: 'failed', failure: 'chart_render', errmsg: 'rasteriser unavailable' });
    await waitFor(() => getDelivery(app.deps.db, text!.id)!.status === 'sent', 10_000);
    expect(getDelivery(app.deps.db, text!.id)!.status).toBe('sent');
    const detail = textOf((await admin.get(`/send-log/${image!.id}`)).body);
    expect(detail).toContain('Chart could not be drawn');
    expect(detail).toContain('rasteriser unavailable');
  });

  it('the fake WeCom checks image messages as WeCom does: base64, md5 of the raw bytes, PNG/JPEG only', async () => {
    const send = async (image: unknown) =>
      (await (await fetch(`${fake.origin}/cgi-bin/webhook/send?key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ msgtype: 'image', image }) })).json()) as {
        errcode: number;
      };
    const png = Buffer.from([...PNG_MAGIC, 1, 2, 3]);
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    expect((await send({ base64: png.toString('base64'), md5: md5(png) })).errcode).toBe(0);
    expect((await send({ base64: png.toString('base64'), md5: md5(Buffer.from('other')) })).errcode).toBe(40058);
    const gif = Buffer.from('GIF89a....');
    expect((await send({ base64: gif.toString('base64'), md5: md5(gif) })).errcode).toBe(40058);
    expect((await send({ base64: `${png.toString('base64')}!`, md5: md5(png) })).errcode).toBe(40058);
    expect((await send({ base64: '', md5: '' })).errcode).toBe(44004);
  });
});
