// Review round 7: the delivery engine's semantics against docs/delivery-semantics.md and SPEC.md.
// Each test fails on the code at a22d9ec for the reason its name gives (real SQLite file, fake
// clock, the real worker sending to the fake WeCom on 127.0.0.1).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { getChannel, markChannelInvalid } from '../../db/queries/channel.ts';
import { listDeliveries } from '../../db/queries/deliveries.ts';
import { listEventMessages } from '../../db/queries/eventDetail.ts';
import { toEventStatus } from '../../server/api/eventStatus.ts';
import { digestBacklog } from '../../server/delivery/folds.ts';
import { getEvent } from '../../server/delivery/store.ts';
import type { RenderSettings } from '../../server/render/eventMessages.ts';
import type { BuiltReport } from '../../server/reports/builders.ts';
import { enqueueReport } from '../../server/reports/runReport.ts';
import { connectBot, sendTestNotification } from '../../server/channel/wecomChannel.ts';
import { createLogger } from '../../server/log.ts';
import { createSecretBox } from '../../server/security/secretBox.ts';
import { createWecomClient } from '../../server/wecom/client.ts';
import type { WecomMessage } from '../../server/wecom/messages.ts';
import { outcomes } from '../helpers/accounting.ts';
import { waitFor } from '../helpers/api.ts';
import { RIG_KEY, rigsClosedAfterEach, type EngineRig, type WorkerRig } from '../helpers/engineRig.ts';

const rigs = rigsClosedAfterEach();
const renderSettings = (rig: EngineRig): RenderSettings => ({ rules: rig.settings.rules(), delivery: rig.settings.delivery(), timeZone: 'Asia/Shanghai', templates: rig.settings.templates() });

describe('a scheduled report reaches the group in order', () => {
  /** What a report job's run queues (runReport.enqueueReport): two numbered parts, then its chart would follow. */
  function twoPartReport(): BuiltReport {
    const parts = ['**(1/2)** Daily summary · 2026-11-30\n> alerts by category …', '**(2/2)** Daily summary · 2026-11-30\n> delivery health …'];
    const messages: WecomMessage[] = parts.map((content) => ({ msgtype: 'markdown', markdown: { content } }));
    return { title: 'Daily summary · 2026-11-30', content: parts.join('\n'), parts, messages, limit: 4096, problems: [] } as unknown as BuiltReport;
  }

  it("part 1 of a scheduled report waiting for its retry (HTTP 500): part 2 is not sent before it", async () => {
    const rig = await rigs.worker();
    enqueueReport(rig.db, twoPartReport(), rig.clock.now());
    rig.fake.setFailure('http500', { times: 1 });
    rig.worker.start();
    expect(await waitFor(() => rig.fake.calls.length >= 1, 2_000)).toBe(true);
    // The fake clock stands still: part 1's retry is not due yet.
    await new Promise((r) => setTimeout(r, 300));
    rig.clock.advance(60_000);
    rig.worker.wake();
    expect(await waitFor(() => rig.fake.receivedFor(RIG_KEY).length === 2 && rig.worker.idle(), 5_000)).toBe(true);
    const got = rig.fake.receivedFor(RIG_KEY).map((m) => (m.body.markdown as { content: string }).content.slice(0, 9));
    // As an event's report is kept in order (docs/delivery-semantics.md, invariant 5), so should a job's be.
    expect(got, 'the group read part 2/2 before part 1/2').toEqual(['**(1/2)**', '**(2/2)**']);
  });
});

describe('GET /api/v1/events/{id} for an alert carried by a re-split storm digest', () => {
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

  it('a part of the digest died: the event is dead, and its messages show the dead message WeCom refused', async () => {
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
    // docs/integrations.md: `messages` lists "the digest that carried it, each with its attempts and
    // WeCom's answer". The parts carried it; the answer shows only the merged original.
    expect(
      answer.messages.map((m) => ({ id: m.id, role: m.role, status: m.status })),
      'the dead event lists no dead message: the part that died is missing',
    ).toContainEqual({ id: deadParts[0]!.id, role: 'digest', status: 'dead' });
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
    expect(
      answer.messages.filter((m) => m.role === 'digest').map((m) => m.status),
      'the only message that carried the event reads "merged", never sent',
    ).toContain('sent');
  });
});

describe("a test notification's late answer for a replaced URL says nothing about the new bot", () => {
  const NEW_KEY = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

  /**
   * Bot A connected; "Send test notification" is in flight (WeCom slow) when the admin replaces the
   * URL with bot B. Returns the test's answer, given after B is connected.
   */
  async function testInFlightWhileReplaced(rig: WorkerRig, meanwhile: () => void): Promise<unknown> {
    const deps = {
      db: rig.db,
      clock: rig.clock,
      // The rig's client gives up after 500 ms: this one waits for the slow answer.
      wecom: createWecomClient({ origin: rig.fake.origin, timeoutMs: 10_000 }),
      secretBox: createSecretBox(randomBytes(32)),
      log: createLogger({ level: 'error', write: () => {} }),
      settings: rig.settings,
      limiter: rig.limiter,
      wakeWorker: () => {},
      recordLater: rig.worker.recordLater,
    };
    expect(await connectBot(deps, RIG_KEY, { ip: null })).toMatchObject({ ok: true });
    rig.fake.addKey(NEW_KEY);
    rig.fake.setFailure('slow', { delayMs: 1_500, times: 1 });
    const test = sendTestNotification(deps, { ip: null });
    expect(await waitFor(() => rig.fake.inFlight() === 1, 2_000)).toBe(true);
    rig.clock.advance(1_000);
    expect(await connectBot(deps, NEW_KEY, { ip: null })).toMatchObject({ ok: true, replaced: true });
    expect(getChannel(rig.db)?.keyLast4).toBe(NEW_KEY.slice(-4));
    meanwhile();
    // The old bot's answer comes only now, after the new bot is connected.
    expect(rig.fake.inFlight()).toBe(1);
    return test;
  }

  it("the old bot's late 93000 is not recorded as the new bot's last error", async () => {
    const rig = await rigs.worker();
    // The old bot was removed in WeCom (why the admin replaced it): its test is answered 93000.
    await testInFlightWhileReplaced(rig, () => rig.fake.removeKey(RIG_KEY));
    const channel = getChannel(rig.db)!;
    expect(channel.status).toBe('connected');
    // docs/delivery-semantics.md, invariant 6: only an answer for the current key is recorded as its last error.
    expect({ lastErrcode: channel.lastErrcode, lastFailure: channel.lastFailure }, 'the new bot shows the old bot\'s 93000 as its last error').toEqual({ lastErrcode: null, lastFailure: null });
  });

  it("the old bot's late success does not mark the new bot connected again after WeCom refused it", async () => {
    const rig = await rigs.worker();
    // The worker's first send with the new key was refused (93000): the new bot is invalid.
    await testInFlightWhileReplaced(rig, () => markChannelInvalid(rig.db, rig.clock.now()));
    expect(getChannel(rig.db)?.status, 'a success for the replaced key marked the invalid new bot connected').toBe('invalid');
  });
});
