// Settings → Configuration as code: download the document; paste or choose one, see its dry run
// (every change, or every problem with its path), then apply exactly that plan in one transaction.
import { Hono, type Context } from 'hono';
import { ConfigImportPage, type ConfigImportView } from '../../views/pages/configImport.tsx';
import { readCurrentConfig } from '../configAsCode/currentConfig.ts';
import { CONFIG_MAX_BYTES } from '../configAsCode/document.ts';
import { importConfig, type ImportOutcome } from '../configAsCode/importConfig.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { sessionKey, type FlashStore } from './flash.ts';
import { clientIp, viewContext } from './viewContext.ts';

/** The console's import forms carry the document url-encoded or as a file: room for a 1 MiB document. */
export const CONFIG_FORM_LIMIT = 4 * CONFIG_MAX_BYTES;
export const CONFIG_FORM_PATHS = ['/settings/config/import', '/settings/config/apply'];

const pad = (n: number) => String(n).padStart(2, '0');

/** The document a form sent: the chosen file wins over the text box; an error key when there is none. */
async function documentText(c: Context<AppEnv>): Promise<{ text: string } | { error: string }> {
  const body = await c.req.parseBody();
  const file = body.file;
  const text = file instanceof File && file.size > 0 ? await file.text() : typeof body.document === 'string' ? body.document : '';
  if (text.trim() === '') return { error: c.var.t('config.error.empty') };
  if (Buffer.byteLength(text) > CONFIG_MAX_BYTES) return { error: c.var.t('config.error.tooLarge', { max: CONFIG_MAX_BYTES / 1024 }) };
  return { text };
}

export function configConsoleRoutes(deps: AppDeps & { flash: FlashStore }) {
  const app = new Hono<AppEnv>();

  const page = (c: Context<AppEnv>, view: ConfigImportView, status: 200 | 400 | 409 = 200) => c.html(<ConfigImportPage ctx={viewContext(c, deps)} view={view} />, status);
  const problems = (c: Context<AppEnv>, message: string) => page(c, { kind: 'problems', issues: [{ path: '', message }] }, 400);

  app.get('/settings/config/export', (c) => {
    const { document } = readCurrentConfig(deps);
    const d = new Date(deps.clock.now());
    const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
    c.header('content-disposition', `attachment; filename="notifier-config-${stamp}.json"`);
    return c.body(JSON.stringify(document, null, 2) + '\n', 200, { 'content-type': 'application/json; charset=utf-8' });
  });

  const run = async (c: Context<AppEnv>, mode: 'preview' | 'apply') => {
    const sent = await documentText(c);
    if ('error' in sent) return problems(c, sent.error);
    let json: unknown;
    try {
      json = JSON.parse(sent.text);
    } catch (err) {
      return problems(c, c.var.t('config.error.json', { detail: (err as Error).message }));
    }
    const base = (await c.req.parseBody()).base;
    const outcome: ImportOutcome = importConfig(deps, json, {
      dryRun: mode === 'preview',
      ...(mode === 'apply' ? { expectBase: typeof base === 'string' ? base : '' } : {}),
      who: { actor: 'admin', ip: clientIp(c) },
    });
    if (!outcome.ok && outcome.reason === 'invalid') return page(c, { kind: 'problems', issues: outcome.issues }, 400);
    if (!outcome.ok) {
      // Changed since the preview: show the plan as it would be now, to review again.
      const again = importConfig(deps, json, { dryRun: true, who: { actor: 'admin', ip: clientIp(c) } });
      if (!again.ok) return problems(c, c.var.t('config.error.changed'));
      return page(c, { kind: 'plan', ...planView(again.plan), document: sent.text, base: again.base, notice: c.var.t('config.error.changed') }, 409);
    }
    if (mode === 'preview' || !outcome.applied) return page(c, { kind: 'plan', ...planView(outcome.plan), document: sent.text, base: outcome.base });
    deps.flash.put(sessionKey(c), 'settings', [{ kind: 'ok', text: c.var.t('config.imported', { count: outcome.plan.changes.length }) }]);
    return c.redirect('/settings#config', 303);
  };

  app.post('/settings/config/import', (c) => run(c, 'preview'));
  app.post('/settings/config/apply', (c) => run(c, 'apply'));
  return app;
}

function planView(plan: Extract<ImportOutcome, { ok: true }>['plan']) {
  return { changes: plan.changes, untouched: plan.untouched, ended: plan.ended, keptOff: plan.keptOff.map((k) => k.item) };
}
