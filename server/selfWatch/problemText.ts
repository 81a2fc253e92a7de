import type { MessageKey, Params, Translate } from '../strings/translate.ts';
import type { Problem } from './reasons.ts';

/** A sentence names this many report jobs, then how many more (the dashboard card stays short). */
const NAMED_JOBS = 3;

function jobList(t: Translate, jobs: readonly string[]): string {
  const named = jobs
    .slice(0, NAMED_JOBS)
    .map((name) => `“${name}”`)
    .join(t('watch.jobs.separator'));
  return jobs.length > NAMED_JOBS ? t('watch.jobs.andMore', { jobs: named, count: jobs.length - NAMED_JOBS }) : named;
}

/** The sentence for one problem, in the console's or the notification's language; storage has one per cause. */
export function problemText(t: Translate, p: Pick<Problem, 'code' | 'detail'>): string {
  const params: Params = {};
  for (const [name, value] of Object.entries(p.detail)) params[name] = typeof value === 'object' ? jobList(t, value) : value;
  const several = Array.isArray(p.detail.jobs) && p.detail.jobs.length > 1;
  const key = p.code === 'storage' ? `watch.problem.storage.${p.detail.cause}` : `watch.problem.${p.code}${several ? '.several' : ''}`;
  return t(key as MessageKey, params);
}
