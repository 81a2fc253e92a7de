// The request examples the Inbound API page shows: plain curl, and signed requests in Node and in a
// shell (openssl), written for the signature scheme of apiAuth.ts (HMAC-SHA256 over timestamp + "." +
// body). A test runs each of them against a live appliance.

export const SAMPLE_EVENT_BODY = JSON.stringify({
  kind: 'alert',
  category: 'inventory',
  severity: 'warning',
  title: 'SKU-1024 low stock',
  store: 'Tmall Flagship',
});

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One shell word: as it is when the shell leaves it whole, quoted otherwise (a heartbeat key may hold a space). */
export function shellWord(s: string): string {
  return /^[\p{L}\p{N}_.:@%+=,/-]+$/u.test(s) ? s : shellQuote(s);
}

export function curlExample(url: string, token: string): string {
  return [
    `curl -X POST ${url} \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${token}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(SAMPLE_EVENT_BODY)}`,
  ].join('\n');
}

export function nodeSigningExample(url: string, token: string, secret: string): string {
  return [
    `// sign.mjs — run with: SCN_TOKEN=${shellQuote(token)} SCN_SIGNING_SECRET=${shellQuote(secret)} node sign.mjs`,
    `import { createHmac } from 'node:crypto';`,
    ``,
    `const token = process.env.SCN_TOKEN;`,
    `const body = JSON.stringify(${SAMPLE_EVENT_BODY});`,
    `const timestamp = String(Math.floor(Date.now() / 1000));`,
    `const signature = 'sha256=' + createHmac('sha256', process.env.SCN_SIGNING_SECRET).update(\`\${timestamp}.\${body}\`).digest('hex');`,
    `const res = await fetch(${JSON.stringify(url)}, {`,
    `  method: 'POST',`,
    `  headers: {`,
    `    authorization: \`Bearer \${token}\`,`,
    `    'content-type': 'application/json',`,
    `    'x-signature': signature,`,
    `    'x-signature-timestamp': timestamp,`,
    `  },`,
    `  body,`,
    `});`,
    `console.log(res.status, await res.text());`,
  ].join('\n');
}

export function shellSigningExample(url: string, token: string, secret: string): string {
  return [
    `TOKEN=${shellQuote(token)}`,
    `SIGNING_SECRET=${shellQuote(secret)}`,
    `BODY=${shellQuote(SAMPLE_EVENT_BODY)}`,
    `TS=$(date +%s)`,
    `SIG="sha256=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SIGNING_SECRET" | sed 's/^.* //')"`,
    `curl -X POST ${url} \\`,
    `  -H "Authorization: Bearer $TOKEN" \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "x-signature: $SIG" \\`,
    `  -H "x-signature-timestamp: $TS" \\`,
    `  -d "$BODY"`,
  ].join('\n');
}

/** Exports the configuration (read or admin scope); signed, a GET signs its path. */
export function configExportExample(eventsUrl: string, token: string, secret?: string): string {
  const url = eventsUrl.replace(/\/events$/, '/config');
  const path = new URL(url).pathname;
  if (secret === undefined) return [`curl ${url} \\`, `  -H ${shellQuote(`Authorization: Bearer ${token}`)} -o notifier-config.json`].join('\n');
  return [
    `TOKEN=${shellQuote(token)}`,
    `SIGNING_SECRET=${shellQuote(secret)}`,
    `TS=$(date +%s)`,
    `SIG="sha256=$(printf '%s.%s' "$TS" ${shellQuote(path)} | openssl dgst -sha256 -hmac "$SIGNING_SECRET" | sed 's/^.* //')"`,
    `curl ${url} \\`,
    `  -H "Authorization: Bearer $TOKEN" \\`,
    `  -H "x-signature: $SIG" \\`,
    `  -H "x-signature-timestamp: $TS" -o notifier-config.json`,
  ].join('\n');
}
