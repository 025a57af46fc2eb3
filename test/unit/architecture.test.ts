import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers of docs/architecture.md ("Which way imports go"), checked on the imports of src/,
 * workers/ and client/ (read with the TypeScript compiler, so comments and strings never count):
 * every folder and top-level file belongs to a named layer, no import goes against the table, no
 * cycle between files, only config.ts reads process.env, the engine stays pure, and files and
 * functions stay small enough to read.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Layer =
  | 'engine' | 'contract' | 'errors' | 'config' | 'logger' | 'wasm-features' | 'embedded-redis' | 'process-lifecycle'
  | 'observability' | 'threads' | 'store' | 'queue' | 'inference' | 'export' | 'webhooks' | 'api' | 'workers' | 'main' | 'client';

/** Every folder (trailing `/`) and top-level file of src/, workers/ and client/, and its layer: no catch-all. */
const LAYER_OF_PATH: Record<string, Layer> = {
  'src/engine/': 'engine',
  'src/contract/': 'contract',
  'src/errors.ts': 'errors',
  'src/config.ts': 'config',
  'src/logger.ts': 'logger',
  'src/wasm-features.ts': 'wasm-features',
  'src/embedded-redis.ts': 'embedded-redis',
  'src/process-lifecycle.ts': 'process-lifecycle',
  'src/observability/': 'observability',
  'src/threads/': 'threads',
  'src/store/': 'store',
  'src/queue/': 'queue',
  'src/inference/': 'inference',
  'src/export/': 'export',
  'src/webhooks/': 'webhooks',
  'src/api/': 'api',
  'src/main.ts': 'main',
  'workers/': 'workers',
  'client/': 'client',
};

/** For each layer, the other layers it may import (docs/architecture.md). */
const ALLOWED: Record<Layer, Layer[]> = {
  engine: [],
  contract: [],
  errors: [],
  // The job limits' defaults have one owner: contract/limits.ts.
  config: ['errors', 'contract'],
  logger: ['config'],
  'wasm-features': [],
  'embedded-redis': ['config', 'logger', 'errors'],
  'process-lifecycle': ['config', 'logger', 'errors'],
  observability: ['config', 'logger', 'errors'],
  threads: [],
  store: ['contract', 'errors', 'config', 'queue'],
  queue: ['store', 'contract', 'errors', 'config'],
  inference: ['engine', 'contract', 'threads', 'errors'],
  export: ['contract'],
  webhooks: ['contract', 'store', 'queue', 'config', 'logger', 'errors'],
  api: ['contract', 'store', 'queue', 'inference', 'export', 'webhooks', 'config', 'logger', 'errors', 'process-lifecycle', 'observability'],
  workers: ['engine', 'contract', 'store', 'queue', 'webhooks', 'threads', 'config', 'logger', 'errors', 'process-lifecycle', 'observability', 'wasm-features'],
  main: [
    'engine', 'contract', 'errors', 'config', 'logger', 'wasm-features', 'embedded-redis', 'process-lifecycle', 'observability',
    'threads', 'store', 'queue', 'inference', 'export', 'webhooks', 'api', 'workers',
  ],
  client: [],
};

/** The client talks HTTP only: its library imports its generated types and openapi-fetch; the CLI also its terminal packages. */
const CLIENT_PACKAGES = ['openapi-fetch'];
const CLI_FILES = new Set(['client/cli.ts', 'client/progress-view.ts']);
const CLI_PACKAGES = ['commander', 'cli-progress'];

/** Files whose size the limits below do not bind: the engine's generated and hand-unrolled kernels. */
const SIZE_EXEMPT = 'src/engine/kernels/';
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') out.push(...listSources(path));
    } else if (/\.(ts|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const rel = (file: string): string => relative(ROOT, file).split('\\').join('/');

function layerOf(file: string): Layer | null {
  const path = rel(file);
  for (const [prefix, layer] of Object.entries(LAYER_OF_PATH)) {
    if (prefix.endsWith('/') ? path.startsWith(prefix) : path === prefix) return layer;
  }
  return null;
}

/** Every import and re-export specifier of a file, dynamic imports included, comments excluded. */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
}

function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

const serverFiles = [...listSources(join(ROOT, 'src')), ...listSources(join(ROOT, 'workers'))];
const clientFiles = listSources(join(ROOT, 'client')).filter((f) => !rel(f).startsWith('client/generated/'));
const files = [...serverFiles, ...clientFiles];
const graph = new Map<string, string[]>();
for (const file of files) {
  graph.set(file, importsOf(file).map((s) => resolveRelative(file, s)).filter((f): f is string => f !== null && f.startsWith(ROOT)));
}

/** Each function-like node of a file longer than `max` lines (its whole span, nested functions included). */
function longFunctions(file: string, max: number): string[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > max) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : ts.isVariableDeclaration(node.parent) && ts.isIdentifier(node.parent.name) ? node.parent.name.text : '(anonymous)';
        found.push(`${rel(file)}:${start + 1} ${name} (${end - start + 1} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const sizeChecked = serverFiles.filter((f) => !rel(f).startsWith(SIZE_EXEMPT) && /\.(ts|mts)$/.test(f));
const longFiles = sizeChecked
  .map((f) => ({ file: rel(f), lines: readFileSync(f, 'utf8').split('\n').length - (readFileSync(f, 'utf8').endsWith('\n') ? 1 : 0) }))
  .filter(({ lines }) => lines > MAX_FILE_LINES)
  .map(({ file, lines }) => `${file} (${lines} lines)`);
const longFunctionList = sizeChecked.flatMap((f) => longFunctions(f, MAX_FUNCTION_LINES));

describe('architecture', () => {
  it('names a layer for every folder and top-level file of src/, workers/ and client/', () => {
    const unnamed = files.filter((f) => layerOf(f) === null).map(rel);

    expect(unnamed).toEqual([]);
  });

  it('imports only in the directions of docs/architecture.md', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      if (from === null) continue;
      for (const target of targets) {
        const to = layerOf(target);
        if (rel(target) === 'src/main.ts' && rel(file) !== 'src/main.ts') violations.push(`${rel(file)} imports src/main.ts`);
        if (from === 'client') {
          if (!rel(target).startsWith('client/')) violations.push(`${rel(file)} → ${rel(target)} (the client talks HTTP only)`);
          continue;
        }
        if (to !== null && to !== from && !ALLOWED[from].includes(to)) violations.push(`${rel(file)} → ${rel(target)} (${from} → ${to})`);
      }
    }

    expect(violations).toEqual([]);
  });

  it('lets the client import only its generated types, openapi-fetch and, in the CLI, node and its terminal packages', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const refused = clientFiles.flatMap((file) => importsOf(file)
      .filter((s) => !s.startsWith('.'))
      .filter((s) => !CLIENT_PACKAGES.includes(s) && !(CLI_FILES.has(rel(file)) && (CLI_PACKAGES.includes(s) || builtins.has(s))))
      .map((s) => `${rel(file)} imports ${s}`));

    expect(refused).toEqual([]);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
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
    const readers = serverFiles.filter((f) => /process\.env/.test(readFileSync(f, 'utf8')) && rel(f) !== 'src/config.ts');

    expect(readers.map(rel)).toEqual([]);
  });

  it('keeps the engine pure: no node: modules, Math.random or Date.now', () => {
    const impure = serverFiles
      .filter((f) => layerOf(f) === 'engine')
      .filter((f) => {
        const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        return importsOf(f).some((s) => s.startsWith('node:')) || /Math\.random\s*\(|Date\.now\s*\(/.test(text);
      });

    expect(impure.map(rel)).toEqual([]);
  });

  it(`keeps every file of src/ and workers/ outside src/engine/kernels/ within ${MAX_FILE_LINES} lines and every function within ${MAX_FUNCTION_LINES}`, () => {
    expect([...longFiles, ...longFunctionList]).toEqual([]);
  });
});
