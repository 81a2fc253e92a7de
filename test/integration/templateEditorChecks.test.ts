// The template editor checks a template on the message it previews, and on that message without its optional parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertApiToken } from '../../db/queries/tokens.ts';
import { sha256 } from '../../server/security/tokens.ts';
import { DEFAULT_DELIVERY } from '../../server/settings/settingsStore.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { ConsoleClient, textOf } from '../helpers/consoleClient.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const API_TOKEN = 'scn_template-save-checks-000000000000000';

describe('template editor: the save check and the preview', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let client: ConsoleClient;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin, wecomTimeoutMs: 1000 });
    client = new ConsoleClient(app.url);
    await client.signIn('correct horse battery');
    insertApiToken(app.deps.db, { name: 'test', tokenHash: sha256(API_TOKEN), prefix: API_TOKEN.slice(0, 8), createdAt: Date.now() });
    app.deps.settings.setDelivery({ ...DEFAULT_DELIVERY, language: 'en', format: 'markdown' });
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const saveStatus = async (fields: Record<string, string>) => (await client.postForm('/notifications/templates', { action: 'save', ...fields })).status;

  it('a heartbeat template is previewed on a heartbeat message, and saved, after an ordinary alert arrived', async () => {
    const body = '{{heartbeat.name}}: {{heartbeat.state}}';
    // Before any real alert: the sample heartbeat alert is previewed and the template is fine.
    const before = await client.postForm('/notifications/templates/preview', { kind: 'heartbeat', category: 'all', lang: 'en', body });
    expect(textOf(before.body)).toContain('Nightly price sync');
    // An ordinary (non-heartbeat) alert arrives through the API.
    const res = await fetch(`${app.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'alert', category: 'inventory', title: 'Low stock KT-1024' }),
    });
    expect(res.status).toBe(202);
    // The heartbeat template only ever renders heartbeat messages, so the preview must still be one.
    expect(await saveStatus({ kind: 'heartbeat', category: 'all', lang: 'en', body })).toBe(303);
    const after = await client.postForm('/notifications/templates/preview', { kind: 'heartbeat', category: 'all', lang: 'en', body });
    expect(textOf(after.body)).toContain('Nightly price sync');
  });

  it('a task-result template that renders to nothing without the optional duration is refused when saved', async () => {
    // Same rule the editor applies to summary/store/fields/link ("It renders to nothing for an event
    // without …"): duration_ms is optional too, and a task result without it would fall back.
    expect(await saveStatus({ kind: 'task_result', category: 'all', lang: 'en', body: '{{task.duration}}' })).toBe(422);
  });
});
