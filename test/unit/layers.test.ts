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

/**
 * The layers, bottom to top (docs/ARCHITECTURE.md): a file imports only from its own layer or one
 * below. Folders are placed whole, except where a folder holds two kinds of code: the security
 * helpers config reads (proxy ranges, the password length) and the crypto sit with config, the
 * token and login checks with the rules, and the session and web middleware (Hono's types) with
 * the routes; `time/zone.ts`, the zone names config checks, sits with config too.
 */
const LAYERS: ReadonlyArray<readonly [name: string, files: RegExp]> = [
  ['db', /^db\//],
  ['wecom, config, clock, log', /^server\/(wecom\/|metrics\/|(config|clock|log|buildInfo|dataDir|dataDirLock|storageErrors|listenFailure)\.ts$|time\/zone\.ts$|security\/(clientAddress|passwordPolicy|tokens|passwords|secretBox|connectionLimits)\.ts$)/],
  ['strings and time', /^server\/(strings|time)\//],
  ['rules and policy', /^server\/(rules\/|delivery\/policy\/|events\/|calendar\/|opsCounters\.ts$|security\/(apiScopes|apiTokens|apiAuth|loginThrottle|setupCode|adminPassword|signingSnippets|hostAllowList)\.ts$)/],
  ['render and the settings it reads', /^server\/(render|settings)\//],
  ['the delivery engine', /^server\/delivery\//],
  ['reports, metric rules, hooks, channel', /^server\/((reports|charts|metricRules|hooks|channel|heartbeats|selfWatch|configAsCode|cli)\/|(troubleshooting|backup|restore|databaseUpgrade|writtenBy)\.ts$)/],
  ['api, routes and views', /^(views\/|server\/((api|routes)\/|(env|deps)\.ts$|security\/(sessions|webMiddleware|apiHeaders)\.ts$))/],
  ['app', /^server\/app\.tsx$/],
  ['main', /^server\/(appliance|main|backupCli|restoreCli|dataDirArgument)\.ts$/],
];

const layerOf = (file: string) => LAYERS.findIndex(([, files]) => files.test(file));

/** `from → to` for every import of a file from a layer above its own. */
function upwardImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  return [...graph].flatMap(([file, targets]) => targets.filter((t) => layerOf(t) > layerOf(file)).map((t) => `${file} (${LAYERS[layerOf(file)]![0]}) → ${t} (${LAYERS[layerOf(t)]![0]})`));
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

  it('every product file has its layer, and none imports from a layer above its own', () => {
    expect([...graph.keys()].filter((file) => layerOf(file) < 0)).toEqual([]);
    expect(upwardImports(graph)).toEqual([]);
  });

  it('the layer check sees an import that runs back up', () => {
    const graphWith = new Map([
      ['server/wecom/client.ts', ['server/delivery/worker.ts']],
      ['server/delivery/worker.ts', ['server/delivery/policy/retry.ts', 'db/client.ts']],
      ['server/render/eventMessages.ts', ['server/settings/settingsStore.ts']],
    ]);
    expect(upwardImports(graphWith)).toEqual(['server/wecom/client.ts (wecom, config, clock, log) → server/delivery/worker.ts (the delivery engine)']);
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
