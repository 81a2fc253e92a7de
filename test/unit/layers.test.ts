import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every product file and the product files it imports (relative imports, type-only ones too). */
function importGraph(): Map<string, string[]> {
  const files = ['server', 'views', 'db'].flatMap(sourceFiles);
  const known = new Set(files);
  return new Map(
    files.map((file) => {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const targets = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)]
        .map((m) => relative(ROOT, normalize(join(ROOT, dirname(file), m[1]!))))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

/** The app's assembly and its edges: the only files above the routes. */
const ABOVE_ROUTES = /^server\/(routes\/|app\.tsx$|appliance\.ts$|main\.ts$|backupCli\.ts$)/;

describe('the layers', () => {
  const graph = importGraph();

  it('nothing below the routes imports a view or a route, and no view imports a route', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => (t.startsWith('views/') && !file.startsWith('views/') && !ABOVE_ROUTES.test(file)) || (t.startsWith('server/routes/') && !ABOVE_ROUTES.test(file)))
        .map((t) => `${file} → ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') circles.push([...path.slice(path.indexOf(next)), next].join(' → '));
        else if (!state.has(next)) visit(next, [...path, next]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
    expect(circles).toEqual([]);
  });
});
