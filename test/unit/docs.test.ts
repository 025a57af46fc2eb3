import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Variable {
  kind: string;
  fallback: string | number | boolean | undefined;
  authFallback?: number;
  doc: string;
}

/** The README's default cell for a variable: its default, and its default with auth on when that differs. */
function defaultCell(name: string, spec: Variable): string {
  // The worker's thread count follows the machine (os.cpus()).
  if (name === 'WORKER_CONCURRENCY') return '`number of CPUs`';
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
      .filter(([name, spec]) => name !== 'WORKER_CONCURRENCY' && spec.fallback !== undefined)
      .filter(([name, spec]) => !new RegExp(`^# ${name}=${String(spec.fallback).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').test(example))
      .map(([name]) => name);

    expect(mismatches).toEqual([]);
  });
});
