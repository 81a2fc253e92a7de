// The bench's yardstick: the same Hono + @hono/node-server stack as the appliance, reading the body
// and answering 202 with a small JSON, but touching no database. Runs as its own process, like the
// appliance, so both are measured the same way. Not part of the product.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
let id = 0;
app.post('/api/v1/events', async (c) => {
  const body = await c.req.text();
  JSON.parse(body);
  return c.json({ id: ++id, status: 'queued' }, 202);
});
app.get('/readyz', (c) => c.json({ status: 'ready' }));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
