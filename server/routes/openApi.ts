import type { Context } from 'hono';
import { buildOpenApiDocument } from '../api/openapi.ts';

/** GET /api/v1/openapi.json, public like any API description; built on first request, then kept. */
export function openApiHandler() {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  return (c: Context) => c.json((document ??= buildOpenApiDocument()), 200, { 'cache-control': 'no-cache' });
}
