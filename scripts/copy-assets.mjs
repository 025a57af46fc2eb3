#!/usr/bin/env node
/**
 * Last step of `npm run build`: copies the files the compiled code reads at run time next to it
 * in dist/, at the same relative place as in the source tree (the dashboard's `public/`, the
 * generated client types), so
 * `node dist/src/main.js` needs nothing outside dist/ and node_modules/; and makes the package's
 * bin (dist/client/cli.js, which `npx trainyard` runs) executable, which tsc does not.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
// client/generated/openapi.d.ts: tsc does not emit .d.ts inputs, and dist/client/index.d.ts imports it.
const ASSETS = ['public', 'client/generated/openapi.d.ts'];

for (const asset of ASSETS) {
  const from = join(ROOT, asset);
  const to = join(ROOT, 'dist', asset);
  if (!existsSync(from)) continue;
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
}

const BIN = join(ROOT, 'dist', 'client', 'cli.js');
if (existsSync(BIN)) chmodSync(BIN, 0o755);
