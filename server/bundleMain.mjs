// `npm run build` runs this after tsc: it rewrites dist/server/main.js, the appliance's entry, as one
// file holding it and every module it imports, ours and the pure-JavaScript dependencies (hono,
// drizzle, valibot, croner). Loaded one by one, each module's whole source text stayed in the V8 heap
// (valibot's alone is 826 KB) and each import cost start-up a file lookup; the bundle holds only what
// is used (docs/performance.md: idle RSS about 5 MB less, start to ready about 40 % shorter).
// The other compiled files stay in dist/: the CLI, and the report worker a thread loads by path.
// Plain JavaScript: it runs with node alone. Usage: node server/bundleMain.mjs [dist-dir]
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asciiOnly } from './asciiSource.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const entry = path.join(dist, 'server', 'main.js');

/** Native addons, loaded from node_modules at run time as before. */
const EXTERNAL = ['better-sqlite3', '@resvg/resvg-js'];

/**
 * In a bundle `import.meta.url` is the bundle's own address, but our modules find their files next
 * to themselves (the migrations, the console's static files, the chart fonts, the report worker).
 * So each compiled module's `import.meta.url` becomes the address of its file in dist/, which the
 * build keeps, relative to the bundle so the image can live in any directory.
 */
function ownUrlOf(file, bundleDir) {
  const rel = path.relative(bundleDir, file).split(path.sep).join('/');
  return `new URL(${JSON.stringify(rel.startsWith('.') ? rel : `./${rel}`)}, import.meta.url).href`;
}

const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + path.sep)) return undefined;
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', ownUrlOf(args.path, path.dirname(entry))), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [entry],
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: EXTERNAL,
  plugins: [keepModuleUrls],
  logLevel: 'warning',
  metafile: true,
});
fs.writeFileSync(entry, asciiOnly(fs.readFileSync(entry, 'utf8')));
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundled dist/server/main.js: ${inputs} modules, ${(fs.statSync(entry).size / 1e6).toFixed(2)} MB\n`);
