import type { SessionRow } from '../db/queries/sessions.ts';
import type { BuildInfo } from './buildInfo.ts';
import type { Lang, Translate } from './strings/translate.ts';

/** Hono context variables set by the app's middleware (consoleRequest; the API's apiRequest sets only clientIp, https and apiHeaders; its authentication, recordedSignature). */
export interface AppEnv {
  Variables: {
    lang: Lang;
    t: Translate;
    session: SessionRow | undefined;
    /** The client's address: the socket's peer, or behind a trusted proxy (TRUST_PROXY) the address it forwarded. */
    clientIp: string | undefined;
    /** The browser reached the console over HTTPS (directly, or per a trusted proxy's X-Forwarded-Proto). */
    https: boolean;
    /** The running build, for the console footer. */
    build: BuildInfo;
    /** The API answer already carries the API headers (apiJson built it). */
    apiHeaders: boolean;
    /** The signature this API request was authenticated with, recorded against replay (taken back if the request is refused). */
    recordedSignature: string | undefined;
  };
}
