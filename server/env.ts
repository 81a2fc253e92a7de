import type { SessionRow } from '../db/queries/sessions.ts';
import type { Lang, Translate } from './strings/translate.ts';

/** Hono context variables set by the app's middleware. */
export interface AppEnv {
  Variables: {
    lang: Lang;
    t: Translate;
    session: SessionRow | undefined;
    /** The client's address: the socket's peer, or X-Forwarded-For's last entry with TRUST_PROXY. */
    clientIp: string | undefined;
  };
}
