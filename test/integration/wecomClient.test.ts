import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWecomClient, type SendResult, type UploadResult, type WecomClient } from '../../server/wecom/client.ts';
import type { HttpPost } from '../../server/wecom/httpPost.ts';
import {
  fileMessage,
  imageMessage,
  markdownMessage,
  markdownV2Message,
  newsMessage,
  textMessage,
  textNoticeCardMessage,
  voiceMessage,
  WecomMessageError,
  type WecomMessage,
} from '../../server/wecom/messages.ts';
import { startFakeWecom, type FakeWecom } from '../fakeWecom.ts';

const KEY = randomUUID();
const UNKNOWN_KEY = randomUUID();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('image data')]);

/** No result or error text may hold the key (or any key-shaped string), in any form. */
function expectNoKey(value: unknown): void {
  const text = value instanceof Error ? `${value.name} ${value.message} ${String(value.stack)}` : JSON.stringify(value);
  for (const key of [KEY, UNKNOWN_KEY]) {
    expect(text).not.toContain(key);
    expect(text.toLowerCase()).not.toContain(key.slice(0, 8));
  }
}

async function closedPortOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

let clock = 0;
let fake: FakeWecom;
let client: WecomClient;

beforeEach(async () => {
  clock = 1_700_000_000_000;
  fake = await startFakeWecom({ keys: [KEY], now: () => clock });
  client = createWecomClient({ origin: fake.origin, timeoutMs: 2000 });
});

afterEach(async () => {
  await fake.close();
});

async function sendOk(message: WecomMessage): Promise<SendResult> {
  const result = await client.send(KEY, message);
  expectNoKey(result);
  expect(result).toMatchObject({ ok: true, errcode: 0, httpStatus: 200 });
  return result;
}

async function upload(type: 'file' | 'voice', bytes: Uint8Array, key = KEY): Promise<UploadResult> {
  const result = await client.uploadMedia(key, { type, filename: type === 'file' ? '日报.csv' : 'alert.amr', contentType: 'application/octet-stream', bytes });
  expectNoKey(result);
  return result;
}

describe('every message type is accepted and recorded', () => {
  it.each([
    ['text', textMessage('库存预警：SKU-1 剩余 3 件 😀', { mentionedList: ['@all'], mentionedMobileList: ['13800001111'] })],
    ['markdown', markdownMessage('### 订单\n> <font color="warning">3 笔</font> 待发货')],
    ['markdown_v2', markdownV2Message('| a | b |\n|---|---|\n| 1 | 2 |')],
    ['image', imageMessage(PNG)],
    ['news', newsMessage([{ title: '日报', description: '概况', url: 'https://storeclaw.example/r/1' }])],
    ['template_card', textNoticeCardMessage({ main_title: { title: '任务失败' }, card_action: { type: 1, url: 'https://storeclaw.example' } })],
  ] as const)('%s', async (msgtype, message) => {
    const result = await sendOk(message);
    expect(result.ok && result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.receivedFor(KEY)).toEqual([{ key: KEY, body: message, at: clock, msgtype }]);
  });

  it('upload then a file message works; the media_id belongs to the uploading bot', async () => {
    const uploaded = await upload('file', Buffer.from('date,orders\n2024-01-01,3\n'));
    if (!uploaded.ok) throw new Error(`upload failed: ${uploaded.reason}`);
    expect(uploaded).toMatchObject({ type: 'file', httpStatus: 200 });
    expect(uploaded.mediaId).not.toBe('');
    expect(uploaded.createdAt).toMatch(/^\d+$/);
    await sendOk(fileMessage(uploaded.mediaId));
    expect(fake.received.at(-1)?.body).toEqual({ msgtype: 'file', file: { media_id: uploaded.mediaId } });

    const otherKey = randomUUID();
    fake.addKey(otherKey);
    const foreign = await client.send(otherKey, fileMessage(uploaded.mediaId));
    expect(foreign).toMatchObject({ ok: false, reason: 'errcode', errcode: 40007, failure: 'permanent' });
  });

  it('upload then a voice message works', async () => {
    const uploaded = await upload('voice', Buffer.from('#!AMR\n0123456789'));
    if (!uploaded.ok) throw new Error(`upload failed: ${uploaded.reason}`);
    expect(uploaded.type).toBe('voice');
    await sendOk(voiceMessage(uploaded.mediaId));
  });

  it('a media_id never uploaded is refused', async () => {
    const result = await client.send(KEY, fileMessage('never-uploaded'));
    expect(result).toMatchObject({ ok: false, errcode: 40007 });
    expect(fake.received).toEqual([]);
  });
});

describe('WeCom errcodes (HTTP 200) are failures', () => {
  it('93000 for an unknown key → invalid_channel, with the errmsg kept but scrubbed', async () => {
    const result = await client.send(UNKNOWN_KEY, textMessage('hi'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'invalid_channel', reason: 'errcode', errcode: 93000, httpStatus: 200 });
    expect(result.ok === false && result.errmsg).toContain('invalid webhook url');
    expect(result.ok === false && result.explanation.en).toBe('This bot no longer exists or the URL is wrong: re-create the bot and paste the new URL');
    expect(result.ok === false && result.explanation.zh).toBe('机器人已不存在或地址有误：请重新创建机器人并粘贴新的地址');
    expect(fake.received).toEqual([]);
  });

  it('a removed key answers 93000 from then on', async () => {
    await sendOk(textMessage('before'));
    fake.removeKey(KEY);
    expect(await client.send(KEY, textMessage('after'))).toMatchObject({ ok: false, errcode: 93000, failure: 'invalid_channel' });
  });

  it('45009 on the 21st message within 60 s → rate_limited; the window rolls', async () => {
    for (let i = 0; i < 20; i += 1) await sendOk(textMessage(`m${i}`));
    clock += 1000;
    const limited = await client.send(KEY, textMessage('m20'));
    expectNoKey(limited);
    expect(limited).toMatchObject({ ok: false, failure: 'rate_limited', reason: 'errcode', errcode: 45009 });
    expect(limited.ok === false && limited.explanation.en).toBe("WeCom is limiting this bot's sending rate: try again in a minute");
    expect(fake.received).toHaveLength(20);

    // The first 20 leave the window; the refused 21st call still counts (every call counts).
    clock += 59_001;
    await sendOk(textMessage('after the window'));
    expect(fake.received).toHaveLength(21);
  });

  it('a refused call counts towards the window, so hammering keeps the bot limited', async () => {
    for (let i = 0; i < 20; i += 1) await sendOk(textMessage(`m${i}`));
    clock += 1000;
    for (let i = 0; i < 20; i += 1) expect(await client.send(KEY, textMessage('again'))).toMatchObject({ errcode: 45009 });
    clock += 59_001; // the first 20 have left the window; the 20 refused ones have not
    expect(await client.send(KEY, textMessage('still'))).toMatchObject({ errcode: 45009 });
    clock += 1000; // now all 20 refused ones have left too (the one just refused remains)
    await sendOk(textMessage('finally'));
  });

  it('each key has its own window', async () => {
    const other = randomUUID();
    fake.addKey(other);
    for (let i = 0; i < 20; i += 1) await sendOk(textMessage(`m${i}`));
    expect(await client.send(other, textMessage('other bot'))).toMatchObject({ ok: true });
  });

  it.each([
    ['text', { msgtype: 'text', text: { content: 'x'.repeat(2049) } }, 'text.content exceed max length 2048'],
    ['markdown', { msgtype: 'markdown', markdown: { content: '中'.repeat(1366) } }, 'markdown.content exceed max length 4096'],
    ['markdown_v2', { msgtype: 'markdown_v2', markdown_v2: { content: '😀'.repeat(1025) } }, 'markdown_v2.content exceed max length 4096'],
  ] as const)('%s over its byte limit → 40058 → too_long', async (_type, message, errmsg) => {
    const result = await client.send(KEY, message as WecomMessage);
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'too_long', reason: 'errcode', errcode: 40058, errmsg });
  });

  it('content exactly at the byte limit is accepted (bytes, not characters)', async () => {
    await sendOk({ msgtype: 'markdown', markdown: { content: '中'.repeat(1365) + 'a' } });
    await sendOk({ msgtype: 'text', text: { content: '😀'.repeat(512) } });
  });

  it('news with 0 or 9 articles → 40058', async () => {
    const article = { title: 't', url: 'https://x' };
    for (const articles of [[], Array(9).fill(article)]) {
      expect(await client.send(KEY, { msgtype: 'news', news: { articles } })).toMatchObject({ ok: false, errcode: 40058, failure: 'too_long' });
    }
  });

  it('empty content → 44004 → permanent; upper-case msgtype → 40008 → permanent', async () => {
    expect(await client.send(KEY, { msgtype: 'text', text: { content: '' } })).toMatchObject({ errcode: 44004, failure: 'permanent' });
    const upper = { msgtype: 'TEXT', text: { content: 'x' } } as unknown as WecomMessage;
    expect(await client.send(KEY, upper)).toMatchObject({ errcode: 40008, failure: 'permanent' });
    expect(fake.received).toEqual([]);
  });

  it('an image whose md5 does not match is refused', async () => {
    const image = imageMessage(PNG);
    const result = await client.send(KEY, { msgtype: 'image', image: { ...image.image, md5: '0'.repeat(32) } });
    expect(result).toMatchObject({ ok: false, errcode: 40058 });
  });

  it('forced errcodes: -1 is transient and recovers after `times`', async () => {
    fake.setFailure('errcode', { errcode: -1, times: 2 });
    expect(await client.send(KEY, textMessage('1'))).toMatchObject({ ok: false, failure: 'transient', errcode: -1 });
    expect(await client.send(KEY, textMessage('2'))).toMatchObject({ ok: false, failure: 'transient', errcode: -1 });
    await sendOk(textMessage('3'));
    expect(fake.received.map((m) => (m.body as { text: { content: string } }).text.content)).toEqual(['3']);
  });

  it.each([
    [93004, 'invalid_channel'],
    [93008, 'invalid_channel'],
    [45002, 'too_long'],
    [12345, 'permanent'],
  ] as const)('forced errcode %i → %s', async (errcode, failure) => {
    fake.setFailure('errcode', { errcode });
    const result = await client.send(KEY, textMessage('x'));
    expect(result).toMatchObject({ ok: false, failure, reason: 'errcode', errcode });
    expect(result.ok === false && result.explanation.en).not.toBe('');
  });

  it('an errmsg that echoes the key is scrubbed', async () => {
    fake.setFailure('errcode', { errcode: 93000, errmsg: `invalid webhook url ${KEY}, see https://x/query?key=${KEY}&e=93000` });
    const result = await client.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result.ok === false && result.errmsg).toBe('invalid webhook url ****, see https://x/query?key=****&e=93000');
  });
});

describe('transport failures are results, never throws', () => {
  it('HTTP 500 → transient, reason http_status', async () => {
    fake.setFailure('http500');
    const result = await client.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: 'http_status', httpStatus: 500, errcode: null, errmsg: null });
    expect(result.ok === false && result.explanation.en).toContain('HTTP 500');
  });

  it('a hanging server → timeout after timeoutMs', async () => {
    const quick = createWecomClient({ origin: fake.origin, timeoutMs: 300 });
    fake.setFailure('hang');
    const started = Date.now();
    const result = await quick.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: 'timeout', errcode: null, httpStatus: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a reset connection → network', async () => {
    fake.setFailure('reset');
    const result = await client.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: 'network', httpStatus: null });
    expect(result.ok === false && result.explanation.en).toMatch(/^Could not reach WeCom/);
  });

  it('an answer that breaks off after its status line → cut_off, with the status, saying the message may have arrived', async () => {
    const before = fake.receivedFor(KEY).length;
    fake.setFailure('cut');
    const result = await client.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: 'cut_off', httpStatus: 200, errcode: null });
    expect(result.ok === false && result.explanation.en).toMatch(/^The connection broke while WeCom answered \(HTTP 200\): WeCom may have taken the message/);
    expect(result.ok === false && result.explanation.zh).toContain('可能已收到');
    // WeCom took it: a retry may show it twice, which is what the explanation says.
    expect(fake.receivedFor(KEY)).toHaveLength(before + 1);
  });

  it('HTTP 200 with a non-JSON body → malformed_response', async () => {
    fake.setFailure('malformed');
    const result = await client.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, failure: 'transient', reason: 'malformed_response', httpStatus: 200, errcode: null });
  });

  it('a refused connection → network', async () => {
    const offline = createWecomClient({ origin: await closedPortOrigin(), timeoutMs: 2000 });
    const result = await offline.send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, reason: 'network', failure: 'transient' });
  });

  it('a transport that throws with the URL in its message and cause → network, nothing of the URL kept', async () => {
    const leaky: HttpPost = async (url) => {
      throw new TypeError(`request failed: ${url}`, { cause: new Error(`connect ECONNRESET ${url}`) });
    };
    const result = await createWecomClient({ origin: 'https://qyapi.weixin.qq.com', timeoutMs: 100, post: leaky }).send(KEY, textMessage('x'));
    expectNoKey(result);
    expect(result).toMatchObject({ ok: false, reason: 'network' });
  });

  it('uploads fail the same way', async () => {
    fake.setFailure('http500', { times: 1 });
    expect(await upload('file', Buffer.from('hello world'))).toMatchObject({ ok: false, reason: 'http_status', httpStatus: 500 });
    expect(await upload('file', Buffer.from('hello world'), UNKNOWN_KEY)).toMatchObject({ ok: false, errcode: 93000, failure: 'invalid_channel' });
    fake.setFailure('malformed');
    expect(await upload('file', Buffer.from('hello world'))).toMatchObject({ ok: false, reason: 'malformed_response' });
  });

  it('an answer that stops half-way → timeout; an answer over 64 KiB → malformed_response', async () => {
    const stalls = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"errcode":0,');
    });
    const huge = createServer((_req, res) => res.end(JSON.stringify({ errcode: 0, errmsg: 'x'.repeat(100_000) })));
    await new Promise<void>((resolve) => stalls.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    try {
      const origin = (srv: Server) => `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
      const started = Date.now();
      const cut = await createWecomClient({ origin: origin(stalls), timeoutMs: 300 }).send(KEY, textMessage('x'));
      expectNoKey(cut);
      expect(cut).toMatchObject({ ok: false, reason: 'timeout', failure: 'transient' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const big = await createWecomClient({ origin: origin(huge), timeoutMs: 2000 }).send(KEY, textMessage('x'));
      expect(big).toMatchObject({ ok: false, reason: 'malformed_response', httpStatus: 200 });
    } finally {
      for (const srv of [stalls, huge]) {
        srv.closeAllConnections();
        await new Promise((resolve) => srv.close(resolve));
      }
    }
  });

  it('https: a server whose certificate is not trusted gets nothing (network), the key never leaves', async () => {
    // A self-signed certificate for 127.0.0.1 (openssl, as Debian ships it); the client verifies TLS.
    const dir = mkdtempSync(join(tmpdir(), 'wecom-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const seen: string[] = [];
    const tls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
      seen.push(req.url ?? '');
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = tls.address() as AddressInfo;
      const result = await createWecomClient({ origin: `https://127.0.0.1:${port}`, timeoutMs: 2000 }).send(KEY, textMessage('x'));
      expectNoKey(result);
      expect(result).toMatchObject({ ok: false, reason: 'network', failure: 'transient', httpStatus: null });
      expect(seen).toEqual([]);
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a redirect is not followed, so the request never reaches another host', async () => {
    const elsewhere: string[] = [];
    const target = createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.end('{"errcode":0,"errmsg":"ok"}');
    });
    const redirector: Server = createServer((req, res) => {
      const { port } = target.address() as AddressInfo;
      res.writeHead(307, { Location: `http://127.0.0.1:${port}${req.url ?? ''}` }).end();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = redirector.address() as AddressInfo;
      const result = await createWecomClient({ origin: `http://127.0.0.1:${port}`, timeoutMs: 2000 }).send(KEY, textMessage('x'));
      expectNoKey(result);
      expect(result).toMatchObject({ ok: false, reason: 'http_status', httpStatus: 307, failure: 'transient' });
      expect(elsewhere).toEqual([]);
    } finally {
      redirector.closeAllConnections();
      target.closeAllConnections();
      await new Promise((resolve) => redirector.close(resolve));
      await new Promise((resolve) => target.close(resolve));
    }
  });
});

describe('input the client refuses before any request', () => {
  it('rejects media WeCom would refuse with a WecomMessageError that holds no key', async () => {
    const error = await client
      .uploadMedia(KEY, { type: 'file', filename: 'tiny.txt', contentType: 'text/plain', bytes: Buffer.from('1234') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WecomMessageError);
    expectNoKey(error);
    expect(fake.received).toEqual([]);
  });

  it('rejects a bad origin at creation, not at send time', () => {
    expect(() => createWecomClient({ origin: 'not a url', timeoutMs: 1000 })).toThrow();
  });

  it('encodes a key with URL syntax so it cannot add query parameters', async () => {
    const seen: string[] = [];
    const recording: HttpPost = async (url) => {
      seen.push(url);
      return { status: 200, text: '{"errcode":0,"errmsg":"ok"}' };
    };
    await createWecomClient({ origin: 'https://qyapi.weixin.qq.com/ignored/path', timeoutMs: 1000, post: recording }).send('a&type=voice#x', textMessage('x'));
    expect(seen).toEqual(['https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a%26type%3Dvoice%23x']);
  });
});

describe('the fake itself', () => {
  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${fake.origin}${path}`, { method: 'POST', headers: { 'Content-Type': contentType }, body }).then((r) => r.json());

  it('answers a form-encoded body with 40008', async () => {
    expect(await post(`/cgi-bin/webhook/send?key=${KEY}`, 'msgtype=text&content=x', 'application/x-www-form-urlencoded')).toMatchObject({ errcode: 40008 });
    expect(await post(`/cgi-bin/webhook/send?key=${KEY}`, 'not json')).toMatchObject({ errcode: 40008 });
  });

  it('refuses uploads under 5 bytes', async () => {
    const form = new FormData();
    form.append('media', new Blob(['1234']), 'tiny.txt');
    const answer = await fetch(`${fake.origin}/cgi-bin/webhook/upload_media?key=${KEY}&type=file`, { method: 'POST', body: form }).then((r) => r.json());
    expect(answer).toMatchObject({ errcode: 40006 });
  });

  it('calls onMessage for each accepted message, and listens on a given port', async () => {
    const port = Number(new URL(fake.origin).port);
    await fake.close();
    const seen: string[] = [];
    fake = await startFakeWecom({ keys: [KEY], port, onMessage: (m) => seen.push(m.msgtype) });
    expect(fake.origin).toBe(`http://127.0.0.1:${port}`);
    await client.send(KEY, markdownMessage('hi'));
    await client.send(KEY, { msgtype: 'text', text: { content: 'x'.repeat(3000) } });
    expect(seen).toEqual(['markdown']);
  });

  it('close() ends hanging requests instead of waiting for them', async () => {
    const patient = createWecomClient({ origin: fake.origin, timeoutMs: 10_000 });
    fake.setFailure('hang');
    const pending = patient.send(KEY, textMessage('x'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await fake.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toMatchObject({ ok: false, reason: 'network' });
    fake = await startFakeWecom({ keys: [KEY] }); // afterEach closes it
  });
});
