import { request } from 'node:http';
import { signBody } from '../../server/security/apiAuth.ts';

/** POSTs JSON to the inbound API the way StoreClaw would. */
export async function postEvent(
  baseUrl: string,
  token: string | undefined,
  body: unknown,
  /** `sign.secret`: the token's signing secret (without it the token itself keys the HMAC, the scheme of old tokens). */
  opts: { path?: string; headers?: Record<string, string>; sign?: { timestamp?: string; secret?: string } } = {},
): Promise<{ status: number; json: Record<string, unknown>; text: string; headers: Headers }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.sign && token) {
    const ts = opts.sign.timestamp ?? String(Math.floor(Date.now() / 1000));
    headers['x-signature-timestamp'] = ts;
    headers['x-signature'] = signBody(opts.sign.secret ?? token, ts, text);
  }
  const res = await fetch(baseUrl + (opts.path ?? '/api/v1/events'), { method: 'POST', headers, body: text });
  const raw = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    // Non-JSON answers are asserted through `text`.
  }
  return { status: res.status, json, text: raw, headers: res.headers };
}

/** Polls until `check` is true or the time is up; returns whether it became true. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, stepMs = 25): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** node:http, because fetch does not let a caller choose the Host header. */
export function rawRequest(url: string, opts: { method?: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
