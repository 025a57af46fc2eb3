import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const ROOT = new URL('../../', import.meta.url).pathname;

/** Source and test files (repo-relative) under `dirs`. */
function sources(dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(join(ROOT, dir))) return;
    for (const name of readdirSync(join(ROOT, dir))) {
      const path = `${dir}/${name}`;
      if (statSync(join(ROOT, path)).isDirectory()) {
        if (name !== 'node_modules' && name !== 'generated') walk(path);
      } else if (/\.(ts|mts|mjs)$/.test(name)) out.push(path);
    }
  };
  dirs.forEach(walk);
  return out;
}

const CODE_DIRS = ['src', 'workers', 'test', 'bench', 'scripts', 'client'];

interface Variable {
  kind: string;
  fallback: string | number | boolean | undefined;
  authFallback?: number;
  doc: string;
}

/** Variables whose default is the machine's CPU count. */
const MACHINE_DEFAULTS = ['WORKER_CONCURRENCY'];

/** The README's default cell for a variable: its default, and its default with auth on when that differs. */
function defaultCell(name: string, spec: Variable): string {
  // Thread counts follow the machine (os.cpus(), os.availableParallelism()).
  if (MACHINE_DEFAULTS.includes(name)) return '`number of CPUs`';
  if (spec.fallback === undefined) return '—';
  return spec.authFallback === undefined ? `\`${spec.fallback}\`` : `\`${spec.fallback}\` (auth on: \`${spec.authFallback}\`)`;
}

describe('documentation', () => {
  it('lists every configuration variable in the README table and in .env.example', () => {
    const readme = read('README.md');
    const example = read('.env.example');

    const names = Object.keys(VARIABLES);
    expect(names.filter((name) => !readme.includes(`| \`${name}\` |`))).toEqual([]);
    expect(names.filter((name) => !new RegExp(`^# ${name}=`, 'm').test(example))).toEqual([]);
  });

  it('gives each variable the type, default and meaning of src/config.ts in the README table', () => {
    const lines = read('README.md').split('\n');

    const mismatches = (Object.entries(VARIABLES) as [string, Variable][]).flatMap(([name, spec]) => {
      const expected = `| \`${name}\` | ${spec.kind} | ${defaultCell(name, spec)} | ${spec.doc} |`;
      const row = lines.find((line) => line.startsWith(`| \`${name}\` |`));
      return row === expected ? [] : [{ expected, row }];
    });

    expect(mismatches).toEqual([]);
  });

  it('gives each variable its auth-off default in .env.example', () => {
    const example = read('.env.example');

    const mismatches = (Object.entries(VARIABLES) as [string, Variable][])
      .filter(([name, spec]) => !MACHINE_DEFAULTS.includes(name) && spec.fallback !== undefined)
      .filter(([name, spec]) => !new RegExp(`^# ${name}=${String(spec.fallback).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(example))
      .map(([name]) => name);

    expect(mismatches).toEqual([]);
  });

  it('cites only documents of this repository in code, tests and benchmarks', () => {
    const outside = sources(CODE_DIRS).filter((file) => /SPEC\.md|RELIABILITY\.md|STYLE\.md|shared\/|[Ii]ssue [0-9]|issue #[0-9]/.test(read(file)));

    expect(outside).toEqual([]);
  });

  it('cites docs/ pages that exist', () => {
    const cited = new Set(sources(CODE_DIRS).flatMap((file) => read(file).match(/docs\/[a-z0-9-]+\.md/g) ?? []));
    for (const page of read('README.md').match(/docs\/[a-z0-9-]+\.md/g) ?? []) cited.add(page);

    expect([...cited].filter((page) => !existsSync(join(ROOT, page)))).toEqual([]);
    expect(cited.size).toBeGreaterThan(0);
  });
});
