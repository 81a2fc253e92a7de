// The backup page's two forms as a browser posts them: the multipart upload of a backup to restore,
// and the download of one (signed in, with the CSRF token and the page's origin).
import { expect } from 'vitest';
import type { ConsoleClient } from './consoleClient.ts';

/** Restores `bytes` through the console; the answer as it came (303 to the page on success). */
export async function uploadBackup(c: ConsoleClient, bytes: Buffer, name = 'notifier-backup.db', headers: Record<string, string> = {}): Promise<{ status: number; body: string; location: string | null }> {
  const form = new FormData();
  form.set('_csrf', c.csrf!);
  form.set('backup', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(c.baseUrl + '/backup/restore', {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: c.baseUrl, ...headers },
    body: form,
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location') };
}

/** A backup as the page downloads it (its 200 checked). */
export async function downloadBackup(c: ConsoleClient): Promise<Buffer> {
  const res = await fetch(c.baseUrl + '/backup/download', {
    method: 'POST',
    headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: c.baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: c.csrf! }).toString(),
  });
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}
