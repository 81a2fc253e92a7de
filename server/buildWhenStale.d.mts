/** Types for buildWhenStale.mjs (plain JavaScript, so `npm start` can run it before any build). */
export function sourcesFingerprint(root: string): string;
export function isBuildFresh(root: string): boolean;
