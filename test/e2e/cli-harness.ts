/**
 * Shared by the client and CLI end-to-end tests: a real trainyard (API + worker, `src/main.ts`)
 * on the test Redis, the README's examples, scratch folders inside the repository (so
 * `trainyard/client` and `npx trainyard` resolve to this package) and child-process runs.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { REPO_ROOT, startAllInOne, type ServiceProcess } from '../helpers/processes.js';
import { deleteKeysWithPrefix } from '../helpers/build-app.js';

/** The TypeScript compiler's entry (run with `node`). */
export const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** A running trainyard and how to stop it (and delete its keys). */
export interface RunningTrainyard {
  url: string;
  service: ServiceProcess;
  stop(): Promise<void>;
}

/** Starts `src/main.ts` (API and a worker) on the test Redis under a fresh key prefix. */
export async function startTrainyard(env: Record<string, string> = {}): Promise<RunningTrainyard> {
  const keyPrefix = `tycli-${randomUUID().slice(0, 8)}`;
  const service = startAllInOne({
    REDIS_URL: inject('redisUrl'),
    KEY_PREFIX: keyPrefix,
    QUEUE_NAME: `q-${keyPrefix}`,
    PORT: '0',
    HOST: '127.0.0.1',
    WORKER_CONCURRENCY: '2',
    LOG_LEVEL: 'info',
    TRAINYARD_API_KEYS: '',
    // A shared, busy 2-core machine: no overload shedding and patient Redis commands, so a
    // stalled moment is not a 503 (those are tested on their own).
    MAX_EVENT_LOOP_DELAY_MS: '0',
    REDIS_COMMAND_TIMEOUT_MS: '10000',
    ...env,
  });
  const ready = JSON.parse(await service.waitForOutput(/"trainyard is ready"/, 90_000)) as { url: string };
  return {
    url: ready.url,
    service,
    async stop() {
      await service.stop();
      const redis = new Redis(inject('redisUrl'));
      await deleteKeysWithPrefix(redis, keyPrefix);
      await redis.quit();
    },
  };
}

/** The first fenced code block of language `lang` under the README heading `heading`. */
export function readmeBlock(heading: string, lang: string): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const section = readme.slice(start + 1).split(/\n## /)[0];
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(section);
  if (!match) throw new Error(`README "## ${heading}" has no \`\`\`${lang} block`);
  return `${match[1]}\n`;
}

/** A scratch folder under test/e2e (inside the package), removed by the returned function. */
export function createScratchDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(REPO_ROOT, 'test', 'e2e', `.${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How a child process ended and what it wrote. */
export interface RunOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, stdin closed, stdout and stderr piped (not a terminal). */
export function run(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
