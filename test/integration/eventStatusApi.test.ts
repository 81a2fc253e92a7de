import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { listEventMessages } from '../../db/queries/eventDetail.ts';
import { toEventStatus } from '../../server/api/eventStatus.ts';
import { digestBacklog } from '../../server/delivery/folds.ts';
import { getEvent } from '../../server/delivery/store.ts';
import type { RenderSettings } from '../../server/render/eventMessages.ts';
import { signBody } from '../../server/security/apiAuth.ts';
import { issueApiToken } from '../../server/security/apiTokens.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { outcomes } from '../helpers/accounting.ts';
import { postEvent, waitFor } from '../helpers/api.ts';
import { ConsoleClient } from '../helpers/consoleClient.ts';
import { rigsClosedAfterEach, type EngineRig } from '../helpers/engineRig.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const KEY = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

async function getStatus(baseUrl: string, token: string | undefined, id: number | string, sign?: { secret: string; timestamp?: string }) {
  const path = `/api/v1/events/${id}`;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (sign) {
    const ts = sign.timestamp ?? String(Math.floor(Date.now() / 1000));
    headers['x-signature-timestamp'] = ts;
    headers['x-signature'] = signBody(sign.secret, ts, path);
  }
  const res = await fetch(baseUrl + path, { headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('GET /api/v1/events/{id}', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let token: string;
  let other: string;
  let signedOnly: string;
  let signedSecret: string;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [KEY] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, env: { ADMIN_PASSWORD: 'event-status-pass' } });
    const console = new ConsoleClient(app.url);
    await console.signIn('event-status-pass');
    await console.postForm('/channels/wecom/connect', { url: KEY });
    app.deps.settings.setRules({ ...app.deps.settings.rules(), dedupeWindowMinutes: 0, categories: { ...app.deps.settings.rules().categories, ads: false } });
    token = issueApiToken(app.deps, { name: 'storeclaw', requireSignature: false, now: Date.now() }).token;
    other = issueApiToken(app.deps, { name: 'other', requireSignature: false, now: Date.now() }).token;
    ({ token: signedOnly, signingSecret: signedSecret } = issueApiToken(app.deps, { name: 'signed', requireSignature: true, now: Date.now() }));
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const alert = { kind: 'alert', category: 'inventory', severity: 'warning', title: 'SKU-7 low stock', store: 'JD Store' };

  it('shows a sent event with its message and outcome', async () => {
    const posted = await postEvent(app.url, token, alert);
    expect(posted.status).toBe(202);
    const id = posted.json.id as number;
    let answer: Record<string, unknown> = {};
    for (let i = 0; i < 300 && answer.final !== true; i++) {
      answer = (await getStatus(app.url, token, id)).json;
      if (answer.final !== true) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toMatchObject({ id, status: 'sent', final: true, kind: 'alert', category: 'inventory', title: 'SKU-7 low stock', store: 'JD Store', source: 'api' });
    const messages = answer.messages as Array<Record<string, unknown>>;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ role: 'message', status: 'sent', msgtype: 'markdown', errcode: 0 });
    expect(typeof messages[0]!.sent_at).toBe('string');
    expect(JSON.stringify(answer)).not.toContain(KEY);
  });

  it('shows a suppressed event as final, with the reason and no messages', async () => {
    const posted = await postEvent(app.url, token, { ...alert, category: 'ads', title: 'CPC spike' });
    const res = await getStatus(app.url, token, posted.json.id as number);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'suppressed', final: true, reason: 'category_off', messages: [] });
  });

  it("answers 404 for another token's event and for an unknown id, the same way", async () => {
    const posted = await postEvent(app.url, token, { ...alert, title: 'mine' });
    const theirs = await getStatus(app.url, other, posted.json.id as number);
    const missing = await getStatus(app.url, token, 999_999);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.json.error).toBe('not_found');
    expect(JSON.stringify(theirs.json)).not.toContain('mine');
  });

  it('answers 401 without a valid token and 400 for an id that is not a number', async () => {
    expect((await getStatus(app.url, undefined, 1)).status).toBe(401);
    expect((await getStatus(app.url, 'scn_wrong', 1)).status).toBe(401);
    const bad = await getStatus(app.url, token, 'abc');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^id: /);
  });

  it('an id the OpenAPI document declares valid is looked up, not refused as malformed; the first past its maximum is refused, as the document says', async () => {
    type Op = { parameters: Array<{ name: string; schema: Record<string, unknown> }>; responses: Record<string, { description: string }> };
    const doc = (await (await fetch(app.url + '/api/v1/openapi.json')).json()) as { paths: Record<string, { get: Op }> };
    const op = doc.paths['/api/v1/events/{id}']!.get;
    const schema = op.parameters.find((p) => p.name === 'id')!.schema;
    expect(schema).toMatchObject({ type: 'integer', minimum: 1, maximum: expect.any(Number) });
    const max = schema.maximum as number;
    expect(await getStatus(app.url, token, max)).toMatchObject({ status: 404, json: { error: 'not_found' } });
    expect(await getStatus(app.url, token, String(BigInt(max) + 1n))).toMatchObject({ status: 400, json: { error: 'invalid_id', message: `id: id must be at most ${max}` } });
    expect(op.responses['400']!.description).toContain(String(max));
  });

  it('a token that requires signatures reads with a signature over the path', async () => {
    const posted = await postEvent(app.url, signedOnly, { ...alert, title: 'signed' }, { sign: { secret: signedSecret } });
    const id = posted.json.id as number;
    expect((await getStatus(app.url, signedOnly, id)).status).toBe(401);
    const ok = await getStatus(app.url, signedOnly, id, { secret: signedSecret });
    expect(ok.status).toBe(200);
    expect(ok.json.title).toBe('signed');
    // Signed for another event's path: refused.
    const ts = String(Math.floor(Date.now() / 1000));
    const res = await fetch(`${app.url}/api/v1/events/${id}`, {
      headers: { authorization: `Bearer ${signedOnly}`, 'x-signature-timestamp': ts, 'x-signature': signBody(signedSecret, ts, `/api/v1/events/${id + 1}`) },
    });
    expect(res.status).toBe(401);
  });
});

describe('GET /api/v1/events/{id} for an alert carried by a re-split storm digest', () => {
  const rigs = rigsClosedAfterEach();
  const renderSettings = (rig: EngineRig): RenderSettings => ({ rules: rig.settings.rules(), delivery: rig.settings.delivery(), timeZone: 'Asia/Shanghai', templates: rig.settings.templates() });

  /** Twelve long alerts folded into one text digest (long enough to be re-split after a 40058). */
  async function foldedIntoLongDigest() {
    const rig = await rigs.worker();
    rig.settings.setDelivery({ ...rig.settings.delivery(), format: 'text' });
    const title = (i: number) => `${'库存告急'.repeat(40)} #${i}`;
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(rig.post({ title: title(i) }).id);
    expect(digestBacklog(rig.db, renderSettings(rig), 1, rig.clock.now()).digests).toBe(1);
    return { rig, ids };
  }

  it('a part of the digest died: the event is dead, and its messages (and its send log) show the dead part WeCom refused', async () => {
    const { rig, ids } = await foldedIntoLongDigest();
    // The digest is answered 40058 (re-split), and its first part 40058 again: that part is dead.
    rig.fake.setFailure('errcode', { errcode: 40058, times: 2 });
    rig.worker.start();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
    const deadParts = listDeliveries(rig.db, { kind: 'digest', status: 'dead' }, { limit: 10 });
    expect(deadParts).toHaveLength(1);
    expect(deadParts[0]!.splitFrom).not.toBeNull();

    const event = getEvent(rig.db, ids[0]!)!;
    const answer = toEventStatus(event, listEventMessages(rig.db, event));
    expect(answer).toMatchObject({ status: 'dead', final: true });
    // docs/integrations.md: `messages` lists the digest that carried it, each with its attempts and WeCom's answer.
    expect(
      answer.messages.map((m) => ({ id: m.id, role: m.role, status: m.status })),
      'the dead event lists no dead message: the part that died is missing',
    ).toContainEqual({ id: deadParts[0]!.id, role: 'digest', status: 'dead' });
    // The console's send log of the event (/send-log?event=) lists the same messages.
    expect(listDeliveries(rig.db, { eventId: event.id }, { limit: 50 }).map((d) => d.id).sort()).toEqual(answer.messages.map((m) => m.id).sort());
  });

  it('every part was sent: the event is digested, and its messages show a sent message with its time', async () => {
    const { rig, ids } = await foldedIntoLongDigest();
    rig.fake.setFailure('errcode', { errcode: 40058, times: 1 });
    rig.worker.start();
    expect(await waitFor(() => outcomes(rig.db).pending === 0 && rig.worker.idle(), 5_000)).toBe(true);
    expect(outcomes(rig.db).digested).toBe(12);

    const event = getEvent(rig.db, ids[0]!)!;
    const answer = toEventStatus(event, listEventMessages(rig.db, event));
    expect(answer).toMatchObject({ status: 'digested', final: true });
    const digest = answer.messages.filter((m) => m.role === 'digest');
    expect(digest.map((m) => m.status), 'the only message that carried the event reads "merged", never sent').toContain('sent');
    expect(digest.every((m) => m.status !== 'sent' || m.sent_at !== null)).toBe(true);
  });
});
