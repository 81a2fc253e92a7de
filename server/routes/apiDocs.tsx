import { Hono } from 'hono';
import { ApiReferencePage } from '../../views/pages/apiReference.tsx';
import { buildOpenApiDocument } from '../api/openapi.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { viewContext } from './viewContext.ts';

/** The console's API reference: the OpenAPI document as a page, served by the appliance itself. */
export function apiDocsRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  let doc: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/api-docs', (c) => c.html(<ApiReferencePage ctx={viewContext(c, deps)} doc={(doc ??= buildOpenApiDocument())} />));
  return app;
}
