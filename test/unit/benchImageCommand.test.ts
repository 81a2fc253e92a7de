import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageCommand } from '../../bench/lib.ts';

// The bench starts the appliance as the image's CMD does, on whatever Node runs the bench: an
// option of the image's newer Node that this one lacks would stop every child at start ("bad option").
const DOCKERFILE = `FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data
CMD ["node", "--experimental-async-context-frame", "--max-old-space-size=256", "dist/server/main.js", "--verbose"]
`;

describe('bench imageCommand', () => {
  it('keeps the options the running node takes, and the entry with its arguments', () => {
    const all = imageCommand(DOCKERFILE, () => true);
    expect(all.args).toEqual(['--experimental-async-context-frame', '--max-old-space-size=256', 'dist/server/main.js', '--verbose']);
    expect(all.leftOut).toEqual([]);
    expect(all.env).toEqual({ NODE_ENV: 'production' });
  });

  it('leaves out, and names, the options the running node lacks (judged by the name before "=")', () => {
    const asked: string[] = [];
    const older = imageCommand(DOCKERFILE, (o) => (asked.push(o), !o.startsWith('--experimental-async-context-frame')));
    expect(older.args).toEqual(['--max-old-space-size=256', 'dist/server/main.js', '--verbose']);
    expect(older.leftOut).toEqual(['--experimental-async-context-frame']);
    // Arguments after the entry are the app's, never judged as node options.
    expect(asked).not.toContain('--verbose');
  });

  it('judges options by what this node accepts in NODE_OPTIONS', () => {
    const here = imageCommand(DOCKERFILE);
    const takesFrame = process.allowedNodeEnvironmentFlags.has('--experimental-async-context-frame');
    expect(here.leftOut).toEqual(takesFrame ? [] : ['--experimental-async-context-frame']);
    expect(here.args).toContain('--max-old-space-size=256');
  });

  it("the project's Dockerfile: the entry is the compiled main", () => {
    const image = imageCommand(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'), () => true);
    expect(image.args.at(-1)).toBe('dist/server/main.js');
    expect(image.args.slice(0, -1).every((a) => a.startsWith('--'))).toBe(true);
  });

  it('refuses a Dockerfile whose CMD does not start node in exec form', () => {
    expect(() => imageCommand('FROM node:22\nCMD node dist/server/main.js\n')).toThrow(/exec-form CMD starting with node/);
  });
});
