import type { SessionRow } from '../db/queries/sessions.ts';
import type { BuildInfo } from './buildInfo.ts';
import type { Lang, Translate } from '../views/i18n/index.ts';

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    lang: Lang;
    t: Translate;
    session: SessionRow | undefined;
    /** The client's address: the socket's peer, or X-Forwarded-For's last entry with TRUST_PROXY. */
    clientIp: string | undefined;
    /** The running build, for the console footer. */
    build: BuildInfo;
  };
}
