import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

// Read once at start and served from memory: no dependence on the working directory, no CDN.
function loadAssets(): Record<string, { body: Buffer; type: string }> {
  return {
    'htmx.min.js': { body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')), type: 'text/javascript; charset=utf-8' },
    'copy.js': {
      body: readFileSync(fileURLToPath(new URL('../../views/static/copy.js', import.meta.url))),
      type: 'text/javascript; charset=utf-8',
    },
    'app.css': {
      body: readFileSync(fileURLToPath(new URL('../../views/static/app.css', import.meta.url))),
      type: 'text/css; charset=utf-8',
    },
  };
}

export function staticRoutes() {
  const assets = loadAssets();
  const app = new Hono();
  app.get('/static/:name', (c) => {
    const name = c.req.param('name');
    // Own properties only: `__proto__` or `toString` must be a plain 404, not Object.prototype's members.
    if (!Object.hasOwn(assets, name)) return c.notFound();
    const asset = assets[name]!;
    return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
  });
  return app;
}
