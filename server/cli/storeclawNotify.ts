#!/usr/bin/env node
// The storeclaw-notify command (package.json "bin"); runs as plain node from dist/ after the build.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { OutputTail, type RunResult } from './heartbeatCommands.ts';
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
  spawn: runPassingThrough,
  signalNumber: (signal) => constants.signals[signal as NodeJS.Signals],
  version: () => describeBuild(readBuildInfo()),
});

/** Runs the command with stdin, stdout and stderr passed through, keeping the output's tail; SIGTERM and SIGINT reach it. */
function runPassingThrough(command: string, args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    const tail = new OutputTail();
    const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] });
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onTerm = forward('SIGTERM');
    const onInt = forward('SIGINT');
    process.on('SIGTERM', onTerm).on('SIGINT', onInt);
    child.stdout.on('data', (b: Buffer) => {
      process.stdout.write(b);
      tail.push(b.toString('utf8'));
    });
    child.stderr.on('data', (b: Buffer) => {
      process.stderr.write(b);
      tail.push(b.toString('utf8'));
    });
    let settled = false;
    const done = (r: RunResult) => {
      if (settled) return;
      settled = true;
      process.off('SIGTERM', onTerm).off('SIGINT', onInt);
      resolve(r);
    };
    child.on('error', (e: NodeJS.ErrnoException) => done({ code: null, signal: null, error: e.code ?? e.message, tail: tail.lines() }));
    child.on('close', (code, signal) => done({ code, signal, tail: tail.lines() }));
  });
}
