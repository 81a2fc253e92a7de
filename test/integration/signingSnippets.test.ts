import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken, type IssuedToken } from '../../server/security/apiTokens.ts';
import { curlExample, nodeSigningExample, shellSigningExample } from '../../server/security/signingSnippets.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';
import { startTestAppliance, type TestAppliance } from '../helpers/testAppliance.ts';

const run = promisify(execFile);

/** The first line of an answer the snippets print: curl prints the body, the Node snippet "status body". */
function accepted(output: string): { id: number; status: string } {
  const json = JSON.parse(output.slice(output.indexOf('{'))) as { id: number; status: string };
  expect(json.id).toBeGreaterThan(0);
  return json;
}

/** The Inbound API page's examples, each run as a user would run it, against a live appliance. */
describe('the signing snippets', () => {
  let fake: FakeWecom;
  let app: TestAppliance;
  let dir: string;
  let url: string;
  let plain: IssuedToken;
  let signed: IssuedToken;
  // Its own token: the same body signed in the same second with one secret would be a replay.
  let signedShell: IssuedToken;

  beforeAll(async () => {
    fake = await startFakeWecom({ keys: [] });
    app = await startTestAppliance({ wecomOrigin: fake.origin });
    dir = mkdtempSync(join(tmpdir(), 'snippets-'));
    url = `${app.url}/api/v1/events`;
    const now = Date.now();
    plain = issueApiToken(app.deps, { name: 'curl', requireSignature: false, now });
    signed = issueApiToken(app.deps, { name: 'signed', requireSignature: true, now });
    signedShell = issueApiToken(app.deps, { name: 'signed shell', requireSignature: true, now });
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('curl: the example on the page sends the sample event', async () => {
    const { stdout } = await run('bash', ['-c', curlExample(url, plain.token)]);
    expect(accepted(stdout).status).toBe('queued');
  });

  it('Node: sign.mjs, run with the command its first line gives, is accepted; with another secret it is refused', async () => {
    const runSnippet = async (secret: string) => {
      const snippet = nodeSigningExample(url, signed.token, secret);
      writeFileSync(join(dir, 'sign.mjs'), snippet);
      return (await run('bash', ['-c', /run with: (.*)$/m.exec(snippet)![1]!], { cwd: dir })).stdout;
    };
    const ok = await runSnippet(signed.signingSecret);
    expect(ok.startsWith('202 ')).toBe(true);
    accepted(ok);
    expect((await runSnippet('scs_not-the-secret')).startsWith('401 ')).toBe(true);
  });

  it('shell (openssl): the signed request is accepted; with another secret it is refused', async () => {
    const ok = await run('bash', ['-c', shellSigningExample(url, signedShell.token, signedShell.signingSecret)]);
    accepted(ok.stdout);
    const refused = await run('bash', ['-c', `${shellSigningExample(url, signedShell.token, 'scs_not-the-secret')} -w '\\n%{http_code}'`]);
    expect(refused.stdout.trim().endsWith('401')).toBe(true);
  });
});
