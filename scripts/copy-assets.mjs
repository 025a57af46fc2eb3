#!/usr/bin/env node
/**
 * Last step of `npm run build`: copies the files the compiled code reads at run time next to it
 * in dist/, at the same relative place as in the source tree (the dashboard's `public/`), so
 * `node dist/src/main.js` needs nothing outside dist/ and node_modules/.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSETS = ['public'];

for (const asset of ASSETS) {
  const from = join(ROOT, asset);
  const to = join(ROOT, 'dist', asset);
  if (!existsSync(from)) continue;
  rmSync(to, { recursive: true, force: true });
  cpSync(from, to, { recursive: true });
}
