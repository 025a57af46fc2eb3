import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * STYLE.md "Which way imports go", checked on the import lines of src/ and workers/: no forbidden
 * edge between layers, no cycle between files, only config.ts reads process.env, and the engine
 * stays pure (no node: modules, no Math.random, no Date.now).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Layer = 'engine' | 'contract' | 'base' | 'store' | 'queue' | 'inference' | 'api' | 'workers' | 'main' | 'export' | 'webhooks';

/** For each layer, the internal layers it may import (itself included). */
const ALLOWED: Record<Layer, Layer[]> = {
  engine: ['engine'],
  contract: ['contract'],
  // config.ts takes the job limits' defaults from contract/limits.ts (one owner).
  base: ['base', 'contract'],
  store: ['store', 'queue', 'contract', 'base'],
  queue: ['queue', 'store', 'contract', 'base'],
  inference: ['inference', 'engine', 'contract'],
  api: ['api', 'contract', 'store', 'queue', 'inference', 'base', 'export', 'webhooks'],
  export: ['export', 'contract'],
  workers: ['workers', 'engine', 'contract', 'store', 'queue', 'base', 'webhooks'],
  webhooks: ['webhooks', 'contract', 'store', 'queue', 'base'],
  main: ['main', 'engine', 'contract', 'base', 'store', 'queue', 'inference', 'api', 'workers', 'export', 'webhooks'],
};

/**
 * Edges that break the table today, each with the issue that removes it. A new forbidden edge
 * fails the test; a listed one that disappears fails it too, so the list only shrinks.
 */
const KNOWN_VIOLATIONS = new Set<string>([]);

function layerOf(file: string): Layer {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel.startsWith('workers/')) return 'workers';
  if (rel === 'src/main.ts') return 'main';
  const top = rel.split('/')[1];
  if (['engine', 'contract', 'store', 'queue', 'inference', 'api', 'export', 'webhooks'].includes(top)) return top as Layer;
  // config.ts, logger.ts, errors.ts, embedded-redis.ts, wasm-features.ts
  return 'base';
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'generated') out.push(...listSources(path));
    } else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const IMPORT_PATTERN = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers: string[] = [];
  for (const match of text.matchAll(IMPORT_PATTERN)) specifiers.push(match[1] ?? match[2] ?? match[3]);
  return specifiers;
}

function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const files = [...listSources(join(ROOT, 'src')), ...listSources(join(ROOT, 'workers'))];
const graph = new Map<string, string[]>();
for (const file of files) {
  graph.set(file, importsOf(file).map((s) => resolveRelative(file, s)).filter((f): f is string => f !== null && f.startsWith(ROOT)));
}

describe('architecture', () => {
  it('imports only in the directions STYLE.md allows', () => {
    const violations: string[] = [];
    const known: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = layerOf(file);
        const to = layerOf(target);
        const edge = `${relative(ROOT, file)} → ${relative(ROOT, target)}`;
        if (!ALLOWED[from].includes(to)) {
          if (KNOWN_VIOLATIONS.has(edge)) known.push(edge);
          else violations.push(`${edge} (${from} → ${to})`);
        }
        if (relative(ROOT, target) === 'src/main.ts') violations.push(`${relative(ROOT, file)} imports src/main.ts`);
      }
    }

    expect(violations).toEqual([]);
    expect(known.sort()).toEqual([...KNOWN_VIOLATIONS].sort());
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(ROOT, f)).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);

    expect(cycles).toEqual([]);
  });

  it('reads process.env only in src/config.ts', () => {
    const readers = files.filter((f) => /process\.env/.test(readFileSync(f, 'utf8')) && relative(ROOT, f) !== 'src/config.ts');

    expect(readers.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('keeps the engine pure: no node: modules, Math.random or Date.now', () => {
    const impure = files
      .filter((f) => layerOf(f) === 'engine')
      .filter((f) => {
        const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        return importsOf(f).some((s) => s.startsWith('node:')) || /Math\.random\s*\(|Date\.now\s*\(/.test(text);
      });

    expect(impure.map((f) => relative(ROOT, f))).toEqual([]);
  });
});
