// An import, from the API or the console: check the document whole, plan it against what is there,
// and either show the plan (dry run) or apply it in one transaction. `base` names the state the plan
// was made from; an apply told to expect another state is refused, so a dry run's changes are the
// changes applied.
import { applyConfig, type ConfigActor, type ConfigApplyDeps } from './applyConfig.ts';
import { configFingerprint, readCurrentConfig } from './currentConfig.ts';
import { parseConfigDocument, type ConfigIssue } from './document.ts';
import { planImport, type ConfigPlan } from './plan.ts';

export type ImportOutcome =
  | { ok: false; reason: 'invalid'; issues: ConfigIssue[] }
  | { ok: false; reason: 'changed'; base: string }
  | { ok: true; applied: boolean; base: string; result: string; plan: ConfigPlan };

export function importConfig(deps: ConfigApplyDeps, json: unknown, opts: { dryRun: boolean; expectBase?: string; who: ConfigActor }): ImportOutcome {
  const now = deps.clock.now();
  const parsed = parseConfigDocument(json, now);
  if (!parsed.ok) return { ok: false, reason: 'invalid', issues: parsed.issues };
  const current = readCurrentConfig(deps);
  const base = configFingerprint(current.document);
  if (opts.expectBase !== undefined && opts.expectBase !== base) return { ok: false, reason: 'changed', base };
  const { plan, document } = planImport(current, parsed.document, now);
  if (opts.dryRun || (plan.changes.length === 0 && plan.keptOff.length === 0)) return { ok: true, applied: false, base, result: base, plan };
  applyConfig(deps, current, document, plan, opts.who);
  return { ok: true, applied: true, base, result: configFingerprint(readCurrentConfig(deps).document), plan };
}
