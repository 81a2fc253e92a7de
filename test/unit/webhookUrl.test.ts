import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  keyLast4,
  maskedWebhookUrl,
  maskKey,
  parseWebhookUrl,
  scrubKey,
  WEBHOOK_URL_ERROR_CODES,
  type WebhookUrlErrorCode,
  type WebhookUrlResult,
} from '../../server/wecom/webhookUrl.ts';
import { wecomStrings } from '../../server/strings/wecomStrings.ts';

const KEY = '693a91f6-7ab1-4d8c-9e2f-0123456789ab';
const URL_OK = `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`;

function codeOf(result: WebhookUrlResult): WebhookUrlErrorCode | 'ok' {
  return result.ok ? 'ok' : result.code;
}

/** One input per cause; each must produce its own code. */
const CAUSES: ReadonlyArray<[WebhookUrlErrorCode, string]> = [
  ['empty', '   \n\t '],
  ['too_long', `${URL_OK}&x=${'a'.repeat(3000)}`],
  ['inner_whitespace', `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7ab1-4d8c-\n9e2f-0123456789ab`],
  ['full_width', `https：//qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`],
  ['non_ascii', `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}\u200b&x=1`],
  ['missing_scheme', `qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`],
  ['not_a_url', 'hello'],
  ['wrong_scheme', `http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`],
  ['wrong_host', `https://evil.example.com/cgi-bin/webhook/send?key=${KEY}`],
  ['wrong_path', `https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=${KEY}`],
  ['missing_key', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?debug=1'],
  ['empty_key', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key='],
  ['duplicate_key', `${URL_OK}&key=${KEY}`],
  ['key_cut_off', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7ab1-4d8c'],
  ['key_malformed', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7ab1-4d8c-9e2f-0123456789zz'],
];

describe('parseWebhookUrl: accepted input', () => {
  it('accepts the canonical URL', () => {
    expect(parseWebhookUrl(URL_OK)).toEqual({ ok: true, key: KEY, url: URL_OK, droppedParams: [] });
  });

  it('normalises a bare key to the full URL', () => {
    expect(parseWebhookUrl(KEY)).toEqual({ ok: true, key: KEY, url: URL_OK, droppedParams: [] });
  });

  it('trims outer whitespace, line breaks and zero-width characters silently', () => {
    expect(parseWebhookUrl(`  \n\t${URL_OK} \r\n`)).toMatchObject({ ok: true, key: KEY, url: URL_OK });
    expect(parseWebhookUrl(`\u3000\ufeff${KEY}\u200b `)).toMatchObject({ ok: true, key: KEY, url: URL_OK });
  });

  it('lower-cases an upper-case key (real keys are lower-case hex)', () => {
    expect(parseWebhookUrl(KEY.toUpperCase())).toMatchObject({ ok: true, key: KEY, url: URL_OK });
    expect(parseWebhookUrl(URL_OK.replace(KEY, KEY.toUpperCase()))).toMatchObject({ ok: true, key: KEY });
  });

  it('drops extra query parameters, reports their names once each, and never keeps them in the URL', () => {
    const result = parseWebhookUrl(`${URL_OK}&debug=1&from=copy&debug=2`);
    expect(result).toEqual({ ok: true, key: KEY, url: URL_OK, droppedParams: ['debug', 'from'] });
  });

  it('reports extra parameters placed before the key too', () => {
    expect(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?x=1&key=${KEY}`)).toEqual({
      ok: true,
      key: KEY,
      url: URL_OK,
      droppedParams: ['x'],
    });
  });

  it('masks a dropped parameter name that looks like key material', () => {
    const result = parseWebhookUrl(`${URL_OK}&${KEY}=1`);
    expect(result.ok && result.droppedParams).toEqual(['****']);
  });

  it('accepts the explicit default port, which is the same origin', () => {
    expect(parseWebhookUrl(URL_OK.replace('qq.com/', 'qq.com:443/'))).toMatchObject({ ok: true, url: URL_OK });
  });

  it('ignores a fragment, which is never sent to a server', () => {
    expect(parseWebhookUrl(`${URL_OK}#top`)).toMatchObject({ ok: true, url: URL_OK });
  });
});

describe('parseWebhookUrl: each cause has its own code', () => {
  it.each(CAUSES)('%s', (code, input) => {
    expect(codeOf(parseWebhookUrl(input))).toBe(code);
  });

  it('covers every error code with a cause', () => {
    expect(new Set(CAUSES.map(([code]) => code))).toEqual(new Set(WEBHOOK_URL_ERROR_CODES));
  });

  it('says where whitespace inside the URL is', () => {
    expect(parseWebhookUrl('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=6 93a')).toEqual({
      ok: false,
      code: 'inner_whitespace',
      detail: { position: 55, char: ' ', codePoint: 'U+0020' },
    });
  });

  it('treats a line break, tab, no-break space and ideographic space inside as whitespace', () => {
    for (const ws of ['\n', '\r', '\t', '\u00a0', '\u3000']) {
      expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${ws}${KEY}`))).toBe('inner_whitespace');
    }
  });

  it('names the full-width character and its position', () => {
    expect(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send？key=${KEY}`)).toEqual({
      ok: false,
      code: 'full_width',
      detail: { position: 49, char: '？', codePoint: 'U+FF1F' },
    });
    for (const ch of ['：', '／', '。', '＝', 'ａ']) {
      expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send${ch}`))).toBe('full_width');
    }
  });

  it('rejects other non-ASCII and control characters, counting positions in characters', () => {
    expect(parseWebhookUrl('https://qyapi.weixin.qq.com/键😀é')).toEqual({
      ok: false,
      code: 'non_ascii',
      detail: { position: 29, char: '键', codePoint: 'U+952E' },
    });
    expect(parseWebhookUrl('😀é')).toMatchObject({ code: 'non_ascii', detail: { position: 1, codePoint: 'U+1F600' } });
    expect(parseWebhookUrl('ab\u0001')).toMatchObject({ code: 'non_ascii', detail: { position: 3, codePoint: 'U+0001' } });
  });

  it('rejects a look-alike host written with non-Latin letters (IDN homograph)', () => {
    expect(codeOf(parseWebhookUrl(`https://qyаpi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`))).toBe('non_ascii');
  });

  it.each([
    ['cut short bare key', '693a91f6-7ab1', 'key_cut_off'],
    ['one hex group', '693a91f6', 'key_cut_off'],
    ['key missing its last character', KEY.slice(0, -1), 'key_cut_off'],
    ['key missing its last character in a URL', URL_OK.slice(0, -1), 'key_cut_off'],
    ['bare key too long', `${KEY}0`, 'key_malformed'],
    ['bare key without dashes', KEY.replaceAll('-', ''), 'key_malformed'],
    ['dash in the wrong place', '693a91f67-ab1-4d8c-9e2f-0123456789ab', 'key_malformed'],
    ['non-hex letter in the key', URL_OK.replace('ab', 'ag'), 'key_malformed'],
    ['plus sign decoded to a space', URL_OK.replace('-7ab1', '+7ab1'), 'key_malformed'],
  ] as const)('classifies %s', (_name, input, code) => {
    expect(codeOf(parseWebhookUrl(input))).toBe(code);
  });

  it('gives the length of a cut-off or malformed key, and nothing of the key itself', () => {
    expect(parseWebhookUrl(URL_OK.slice(0, -10))).toEqual({ ok: false, code: 'key_cut_off', detail: { length: 26 } });
    expect(parseWebhookUrl(`${KEY}00`)).toEqual({ ok: false, code: 'key_malformed', detail: { length: 38 } });
  });

  it('tells a schemeless host apart from text that is no URL', () => {
    expect(codeOf(parseWebhookUrl(`//qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`))).toBe('missing_scheme');
    expect(codeOf(parseWebhookUrl(`qyapi.weixin.qq.com:443/cgi-bin/webhook/send?key=${KEY}`))).toBe('missing_scheme');
    expect(codeOf(parseWebhookUrl('key=abc'))).toBe('not_a_url');
    expect(codeOf(parseWebhookUrl('https//qyapi.weixin.qq.com'))).toBe('not_a_url');
  });

  it('rejects a missing path and a path with a trailing slash', () => {
    expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com/?key=${KEY}`))).toBe('wrong_path');
    expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com?key=${KEY}`))).toBe('wrong_path');
    expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send/?key=${KEY}`))).toBe('wrong_path');
  });

  it('does not take a key from another parameter name', () => {
    expect(codeOf(parseWebhookUrl(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?KEY=${KEY}`))).toBe('missing_key');
  });

  it('rejects two key parameters even when they differ', () => {
    const other = 'a'.repeat(8) + KEY.slice(8);
    expect(codeOf(parseWebhookUrl(`${URL_OK}&key=${other}`))).toBe('duplicate_key');
  });
});

describe('parseWebhookUrl: the host is fixed (SSRF)', () => {
  it.each([
    ['http', `http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_scheme'],
    ['ftp', `ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_scheme'],
    ['javascript', 'javascript:alert(1)', 'wrong_scheme'],
    ['file', 'file:///etc/passwd', 'wrong_scheme'],
    ['userinfo trick', `https://qyapi.weixin.qq.com@evil.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['userinfo on the real host', `https://user:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['backslash trick', `https://evil.com\\@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['other port', `https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['port 80', `https://qyapi.weixin.qq.com:80/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['suffix domain', `https://qyapi.weixin.qq.com.evil.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['subdomain', `https://a.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['parent domain', `https://weixin.qq.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['trailing dot', `https://qyapi.weixin.qq.com./cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['loopback IP', `https://127.0.0.1/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['metadata IP', `https://169.254.169.254/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['IPv6', `https://[::1]/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['punycode', `https://xn--80ak6aa92e.com/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
    ['a similar host', `https://qyapi.weixin.qq.co/cgi-bin/webhook/send?key=${KEY}`, 'wrong_host'],
  ] as const)('rejects %s', (_name, input, code) => {
    expect(codeOf(parseWebhookUrl(input))).toBe(code);
  });

  it('property: any input either fails or yields the canonical URL of a well-formed key', () => {
    const near = fc.constantFrom(
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=',
      'https://qyapi.weixin.qq.com',
      'http://',
      '@evil.com/',
      ':8080',
      '#',
      '?',
      '&key=',
      KEY,
      '/../',
      '%2F',
      '\\',
    );
    const input = fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.array(near, { maxLength: 6 }).map((p) => p.join('')));
    fc.assert(
      fc.property(input, (s) => {
        const result = parseWebhookUrl(s);
        if (result.ok) {
          expect(result.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
          expect(result.url).toBe(`https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${result.key}`);
        } else {
          expect(WEBHOOK_URL_ERROR_CODES).toContain(result.code);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('always rebuilds the URL on the one origin, whatever case the host was typed in', () => {
    const result = parseWebhookUrl(`HTTPS://QYAPI.WEIXIN.QQ.COM/cgi-bin/webhook/send?key=${KEY}`);
    expect(result).toMatchObject({ ok: true, url: URL_OK });
  });
});

describe('error details never hold key characters', () => {
  it('for every cause, the detail does not contain the key or a fragment of it', () => {
    const keyed = CAUSES.map(([, input]) => input).filter((input) => input.includes('693a91f6'));
    expect(keyed.length).toBeGreaterThan(8);
    for (const input of keyed) {
      const result = parseWebhookUrl(input);
      expect(result.ok).toBe(false);
      const text = JSON.stringify(result);
      expect(text).not.toContain('693a');
      expect(text).not.toContain('89ab');
    }
  });
});

describe('masking and scrubbing', () => {
  it('shows only the last 4 characters', () => {
    expect(keyLast4(KEY)).toBe('89ab');
    expect(maskKey(KEY)).toBe('****89ab');
    expect(maskedWebhookUrl(KEY)).toBe('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****89ab');
  });

  it('removes the key, key= values and key-shaped text, keeping the rest', () => {
    const other = 'deadbeef-0000-4000-8000-000000000000';
    const text = `fetch ${URL_OK} failed; ${KEY.toUpperCase()} ${encodeURIComponent(KEY)} ?key=abc&x=1 id ${other} hint [123]`;
    const scrubbed = scrubKey(text, KEY);
    expect(scrubbed).not.toMatch(/693a|deadbeef|abc&/i);
    expect(scrubbed).toContain('hint [123]');
    expect(scrubbed).toContain('key=****&x=1');
  });

  it('removes a key that is not UUID-shaped when it is given', () => {
    expect(scrubKey('a secret-token here', 'secret-token')).toBe('a **** here');
  });
});

describe('wecomStrings', () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it('EN and ZH have exactly the same keys', () => {
    expect(Object.keys(wecomStrings.zh).sort()).toEqual(Object.keys(wecomStrings.en).sort());
  });

  it('every error code has a message in both languages, and the two differ', () => {
    for (const code of WEBHOOK_URL_ERROR_CODES) {
      const en = wecomStrings.en[`url.error.${code}`];
      const zh = wecomStrings.zh[`url.error.${code}`];
      expect(en.length).toBeGreaterThan(10);
      expect(zh).toMatch(/[\u4e00-\u9fff]/);
      expect(zh).not.toBe(en);
      expect(placeholders(zh)).toEqual(placeholders(en));
    }
  });

  it('every cause has its own message in each language', () => {
    for (const lang of ['en', 'zh'] as const) {
      const messages = WEBHOOK_URL_ERROR_CODES.map((code) => wecomStrings[lang][`url.error.${code}`]);
      expect(new Set(messages).size).toBe(WEBHOOK_URL_ERROR_CODES.length);
    }
  });

  it("each message's placeholders are all filled by that cause's detail", () => {
    for (const [code, input] of CAUSES) {
      const result = parseWebhookUrl(input);
      if (result.ok) throw new Error(`${code} input was accepted`);
      const detailKeys = Object.keys(result.detail ?? {});
      for (const lang of ['en', 'zh'] as const) {
        for (const name of placeholders(wecomStrings[lang][`url.error.${code}`])) expect(detailKeys).toContain(name);
      }
    }
  });

  it('the cut-off message explains the expected key shape', () => {
    expect(wecomStrings.en['url.error.key_cut_off']).toMatch(/cut off.*36.*xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx/);
    expect(wecomStrings.zh['url.error.key_cut_off']).toContain('截断');
  });

  it('the dropped-parameters message has a {params} placeholder in both languages', () => {
    expect(wecomStrings.en['url.dropped_params']).toContain('{params}');
    expect(wecomStrings.zh['url.dropped_params']).toContain('{params}');
  });
});
