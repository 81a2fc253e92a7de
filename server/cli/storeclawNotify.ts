#!/usr/bin/env node
// The storeclaw-notify command (package.json "bin"); runs as plain node from dist/ after the build.
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeBuild, readBuildInfo } from '../buildInfo.ts';
import { runNotify } from './notifyRun.ts';

process.exitCode = await runNotify(process.argv.slice(2), process.env, {
  fetch,
  sleep: (ms) => sleep(ms),
  now: () => Date.now(),
  readFile: (path) => readFile(path, 'utf8'),
  out: (line) => process.stdout.write(line.endsWith('\n') ? line : line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  version: () => describeBuild(readBuildInfo()),
});
