import type { Lang, Translate } from '../server/strings/translate.ts';

/** What every page needs from the request, gathered by the route. */
export interface ViewContext {
  t: Translate;
  lang: Lang;
  /** The session's CSRF token; absent on pages shown before sign-in. */
  csrf?: string;
  /** Current path and query, for the language switch to come back to and to mark the nav item. */
  path: string;
  timeZone: string;
  /** Shown on every page while the bot is invalid. */
  banner?: string;
  /** The running version and commit, in the footer. */
  build?: { version: string; commit: string };
}
