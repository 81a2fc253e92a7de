import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDataDir } from '../test/helpers/childAppliance.ts';
const dir = mkdtempSync(join(tmpdir(), 'seed-'));
const { token } = seedDataDir(dir, { key: 'b3c4d5e6-f7a8-4b9c-8d0e-1f2a3b4c5d6e', windowSeconds: 60 });
console.log(dir, token);
