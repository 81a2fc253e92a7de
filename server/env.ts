import type { SessionRow } from '../db/queries/sessions.ts';
import type { Lang, Translate } from '../views/i18n/index.ts';

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    lang: Lang;
    t: Translate;
    session: SessionRow | undefined;
  };
}
