// Custom templates on the delivery engine's other paths: storm digests, quiet-hours releases and
// dedupe repeats render with the templates of the moment they are sent, and note which one they used.
import { afterEach, describe, expect, it } from 'vitest';
import { listDeliveries, type DeliveryRow } from '../../db/queries/deliveries.ts';
import { digestBacklog, flushHeld } from '../../server/delivery/folds.ts';
import { renderForSend } from '../../server/delivery/renderAtSend.ts';
import { getDelivery } from '../../server/delivery/store.ts';
import { currentRenderSettings } from '../../server/render/eventMessages.ts';
import { startEngineRig, type EngineRig } from '../helpers/engineRig.ts';

const rigs: EngineRig[] = [];
function engine(): EngineRig {
  const rig = startEngineRig();
  rigs.push(rig);
  rig.settings.setDelivery({ ...rig.settings.delivery(), language: 'en', format: 'text' });
  return rig;
}
afterEach(async () => {
  for (const rig of rigs.splice(0)) await rig.close();
});

const atSend = (rig: EngineRig, row: DeliveryRow) => renderForSend(rig.db, currentRenderSettings(rig.settings, undefined), row, rig.clock.now())!;
const content = (payload: string) => (JSON.parse(payload) as { text: { content: string } }).text.content;

describe('custom templates beyond intake', () => {
  it('a storm digest uses the category’s digest template and notes it; a broken one falls back to the built-in', () => {
    const rig = engine();
    rig.settings.saveTemplate({ kind: 'digest', category: 'inventory', lang: 'en' }, 'STORM {{digest.count}} {{digest.category}}\n{{digest.list}}');
    rig.settings.saveTemplate({ kind: 'digest', category: '', lang: 'en' }, 'Broken {{title}}');
    for (let i = 0; i < 4; i++) rig.post({ category: 'inventory', title: `SKU-${i} low` });
    for (let i = 0; i < 3; i++) rig.post({ category: 'orders', title: `Refund ${i}` });
    expect(digestBacklog(rig.db, currentRenderSettings(rig.settings, undefined), 1, rig.clock.now()).digests).toBe(2);
    // Written when the worker is about to send them (renderAtSend), with the templates of then.
    const digests = listDeliveries(rig.db, { kind: 'digest' }, { limit: 5 }).map((d) => atSend(rig, d));
    const inventory = digests.find((d) => d.category === 'inventory')!;
    expect(content(inventory.payload)).toMatch(/^STORM 4 Inventory\nTop 4:\n• 🟠 SKU-0 low/);
    expect(JSON.parse(inventory.template!)).toEqual({ kind: 'digest', category: 'inventory', lang: 'en' });
    const orders = digests.find((d) => d.category === 'orders')!;
    expect(content(orders.payload)).toMatch(/^3 order alerts in /); // the built-in heading
    expect(JSON.parse(orders.template!)).toEqual({ kind: 'digest', category: '', lang: 'en', failed: { code: 'problem', problem: { code: 'unknown', placeholder: '{{title}}' } } });
  });

  it('an event released after quiet hours, and a repeat counted on a queued message, use the alert template', () => {
    const rig = engine();
    rig.settings.saveTemplate({ kind: 'alert', category: '', lang: 'en' }, 'T {{title}} {{repeat}}');
    const quiet = { enabled: true, start: '00:00', end: '23:59', timeZone: 'UTC' };
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: quiet });
    rig.post({ category: 'ads', title: 'Held one' });
    rig.settings.setRules({ ...rig.settings.rules(), quietHours: { ...quiet, enabled: false } });
    flushHeld(rig.db, currentRenderSettings(rig.settings, undefined), rig.clock.now());
    // Rendered when the worker is about to send it (renderAtSend), as every event's message is.
    const released = listDeliveries(rig.db, { kind: 'alert' }, { limit: 5 }).map((d) => atSend(rig, d));
    expect(released.map((d) => content(d.payload))).toEqual(['T Held one']);
    expect(JSON.parse(released[0]!.template!)).toMatchObject({ kind: 'alert', category: '' });

    rig.post({ category: 'orders', title: 'Twice' });
    rig.post({ category: 'orders', title: 'Twice' });
    const twice = atSend(rig, listDeliveries(rig.db, { kind: 'alert' }, { limit: 5 }).find((d) => d.title === 'Twice')!);
    expect(content(twice.payload)).toBe('T Twice ×2');
    // Rendered already (its send failed and it waits to be retried), it is rendered again with a later repeat.
    rig.post({ category: 'orders', title: 'Twice' });
    expect(content(getDelivery(rig.db, twice.id)!.payload)).toBe('T Twice ×3');
  });
});
