import type { Context } from 'hono';
import { buildOpenApiDocument, withServers } from '../api/openapi.ts';
import { requestOrigin } from './requestOrigin.ts';

/**
 * GET /api/v1/openapi.json, public like any API description; built on first request, then kept.
 * `servers` is PUBLIC_URL when set (a path prefix included), else the origin the request reached.
 */
export function openApiHandler(opts: { publicUrl: string | undefined; port: number }) {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  return (c: Context) => {
    document ??= buildOpenApiDocument();
    return c.json(withServers(document, opts.publicUrl ?? requestOrigin(c, opts.port)), 200, { 'cache-control': 'no-cache' });
  };
}
