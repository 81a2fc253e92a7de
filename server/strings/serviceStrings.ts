/** Months in service (the version the console shows, self-watch); zh must have exactly the same keys. */
const en = {
  'footer.version': 'Version {version} · commit {commit}',
};

const zh: Record<keyof typeof en, string> = {
  'footer.version': '版本 {version} · 提交 {commit}',
};

export const serviceStrings = { en, zh };
