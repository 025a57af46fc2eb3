import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/embedded-redis.js';
import { descendantsOf, HAS_PROC, isAlive, isListening, listeningPortsOf } from '../helpers/process-tree.js';
import { REPO_ROOT, startNpm, type ServiceProcess } from '../helpers/processes.js';

const XOR_BODY = {
  name: 'xor over npm start',
  model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
  loss: 'mse',
  optimizer: { type: 'adam', learningRate: 0.05 },
  training: { epochs: 300, batchSize: 4, seed: 7 },
  data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
};

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** fetch, retried while the freshly started service sheds load with 503 (its start-up blocks the event loop for a moment). */
async function fetchReady(url: string, init?: RequestInit): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status !== 503 || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!HAS_PROC)('npm start as a supervisor runs it', () => {
  let npm: ServiceProcess | undefined;
  let dataDir: string | undefined;
  let leftovers: number[] = [];

  afterEach(async () => {
    await npm?.stop(5_000);
    for (const pid of leftovers) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    npm = undefined;
    leftovers = [];
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('builds, serves from compiled JavaScript (training and predict threads included), and on SIGTERM to the npm process stops the API, the worker and its private Redis: no port listening, no child left', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trainyard-npm-start-'));
    const metricsPort = await findFreePort();
    // REDIS_URL '' is removed from the environment: npm start then runs its private redis-server.
    npm = startNpm('npm start', ['start'], {
      env: { REDIS_URL: '', PORT: '0', DATA_DIR: dataDir, WORKER_CONCURRENCY: '1', METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info', TRAINYARD_API_KEYS: '', SHUTDOWN_GRACE_MS: '10000' },
    });
    const ready = JSON.parse(await npm.waitForOutput(/"trainyard is ready"/, 240_000)) as { url: string };
    const base = ready.url;
    const compiled = ['dist/src/main.js', 'dist/src/api/server.js', 'dist/workers/main.js', 'dist/workers/training-thread.js', 'dist/src/inference/predict-thread.js'];
    const compiledTexts = compiled.map((file) => readFileSync(join(REPO_ROOT, file), 'utf8'));
    // The package's bin, which `npx trainyard` runs: the build leaves it executable.
    expect(statSync(join(REPO_ROOT, 'dist/client/cli.js')).mode & 0o111).toBe(0o111);

    const submitted = await fetchReady(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(XOR_BODY) });
    const { id } = (await submitted.json()) as { id: string };
    expect(submitted.status).toBe(202);
    let status = '';
    await waitFor('the job to finish', async () => {
      status = ((await (await fetchReady(`${base}/v1/jobs/${id}`)).json()) as { status: string }).status;
      return ['completed', 'failed', 'cancelled'].includes(status);
    }, 60_000);
    const predicted = await fetchReady(`${base}/v1/jobs/${id}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [[0, 1]] }) });
    const tree = descendantsOf(npm.pid);
    leftovers = tree;
    const ports = listeningPortsOf(tree);
    const commands = tree.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));

    npm.signal('SIGTERM');
    const exit = await npm.exited;
    await waitFor('every child to exit', () => tree.every((pid) => !isAlive(pid)), 15_000).catch(() => undefined);
    const stillListening = (await Promise.all(ports.map(async (port) => ((await isListening(port)) ? [port] : [])))).flat();

    expect(submitted.status).toBe(202);
    expect(status).toBe('completed');
    expect(predicted.status).toBe(200);
    // What ran was compiled JavaScript under plain node, with a private Redis next to it.
    expect(commands.some((c) => /node .*dist\/src\/main\.js/.test(c))).toBe(true);
    expect(commands.some((c) => /redis-server/.test(c))).toBe(true);
    expect(commands.some((c) => /tsx/.test(c))).toBe(false);
    for (const text of compiledTexts) expect(text).not.toMatch(/from ['"]tsx/);
    expect(ports).toEqual(expect.arrayContaining([Number(new URL(base).port), metricsPort]));
    expect(ports.length).toBeGreaterThanOrEqual(3);
    expect(exit.code).toBe(0);
    expect(stillListening).toEqual([]);
    expect(tree.filter((pid) => isAlive(pid))).toEqual([]);
    expect(npm.logLines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    expect(npm.output()).toMatch(/"msg":"stopped"/);
  }, 300_000);

  it('runs compiled JavaScript with node in production and keeps tsx a development dependency', () => {
    const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };

    expect(packageJson.dependencies.tsx).toBeUndefined();
    expect(packageJson.devDependencies.tsx).toBeDefined();
    expect(packageJson.scripts.start).toMatch(/^exec node dist\/src\/main\.js$/);
    expect(packageJson.scripts.api).toMatch(/^exec node dist\/src\/api\/server\.js$/);
    expect(packageJson.scripts.worker).toMatch(/^exec node dist\/workers\/main\.js$/);
  });

  it('has the Dockerfile and the compose file run compiled entry points with node, never tsx', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const compose = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    const commands = [...`${dockerfile}\n${compose}`.matchAll(/(?:CMD|command:)\s*\[\s*"node",\s*"([^"]+)"\s*\]/g)].map((m) => m[1]);
    // Each compiled entry comes from a TypeScript entry point of the repository.
    const sources = commands.map((file) => file.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

    expect([...new Set(commands)].sort()).toEqual(['dist/src/api/server.js', 'dist/src/main.js', 'dist/workers/main.js']);
    for (const source of sources) expect(readFileSync(join(REPO_ROOT, source), 'utf8')).toMatch(/pathToFileURL|main\(\)/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(`${dockerfile}\n${compose}`).not.toMatch(/tsx/);
    expect(compose).toMatch(/--appendonly[\s\S]*"yes"[\s\S]*--maxmemory-policy[\s\S]*noeviction/);
  });
});
