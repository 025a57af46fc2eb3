import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/embedded-redis.js';
import { startAllInOne, type ServiceProcess } from '../helpers/processes.js';

const XOR_BODY = {
  name: 'xor demo',
  model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], init: 'auto', initialWeights: null },
  loss: 'mse',
  optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  training: { epochs: 500, batchSize: 4, shuffle: true, seed: 42, validationSplit: 0, earlyStopping: null, precision: 'float32' },
  data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
};

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (all-in-one) over real HTTP', () => {
  let service: ServiceProcess | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('starts its own Redis, trains XOR from a POST, serves the curve, the result and its worker’s /metrics, and stops cleanly on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trainyard-e2e-'));
    const metricsPort = await findFreePort();
    service = startAllInOne({ REDIS_URL: '', PORT: '0', DATA_DIR: dataDir, WORKER_CONCURRENCY: '1', LOG_LEVEL: 'info', TRAINYARD_API_KEYS: '', METRICS_PORT: String(metricsPort) });
    const ready = JSON.parse(await service.waitForOutput(/"trainyard is ready"/, 30_000)) as { url: string };
    const redisLine = JSON.parse(await service.waitForOutput(/private redis-server/)) as { redisPid: number };
    const base = ready.url;

    const submitted = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(XOR_BODY) });
    const job = (await submitted.json()) as { id: string; status: string };
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    expect(job.status).toBe('queued');

    let status: { status: string; progress: { epoch: number }; seed: number; error: unknown } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      status = (await (await fetch(`${base}/v1/jobs/${job.id}`)).json()) as typeof status;
      if (status!.status === 'completed' || status!.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toMatchObject({ status: 'completed', progress: { epoch: 500 }, seed: 42, error: null });

    const metrics = (await (await fetch(`${base}/v1/jobs/${job.id}/metrics?since=0`)).json()) as { points: { epoch: number; loss: number }[]; next: number };
    expect(metrics.points.length).toBeGreaterThan(0);
    expect(metrics.next).toBe(500);
    const result = (await (await fetch(`${base}/v1/jobs/${job.id}/result`)).json()) as {
      weights: { W: number[][]; b: number[] }[];
      metrics: { finalLoss: number; epochsRun: number };
    };
    expect(result.weights[0].W).toHaveLength(8);
    expect(result.weights[1].b).toHaveLength(1);
    expect(result.metrics.epochsRun).toBe(500);
    expect(result.metrics.finalLoss).toBeLessThan(0.05);
    // The built-in worker's own /metrics on METRICS_PORT counted the job.
    const workerMetrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(workerMetrics).toMatch(/^trainyard_worker_jobs_total\{outcome="completed"\} 1$/m);

    const exit = await service.stop(15_000);
    expect(exit.code).toBe(0);
    expect(processAlive(redisLine.redisPid)).toBe(false);
    expect(existsSync(join(dataDir, 'redis'))).toBe(true);
    expect(service.logLines().filter((line) => (line.level as number) >= 50)).toEqual([]);
  });

  it('exits with one actionable line when redis-server is missing and REDIS_URL is unset', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trainyard-e2e-'));
    service = startAllInOne({ REDIS_URL: '', PORT: '0', DATA_DIR: dataDir, REDIS_SERVER_BIN: join(dataDir, 'no-such-redis-server') });

    const exit = await service.exited;
    const output = service.output().trim();

    expect(exit.code).toBe(1);
    expect(output.split('\n').filter((line) => line.startsWith('trainyard:'))).toHaveLength(1);
    expect(output).toMatch(/^trainyard: .*install it .*REDIS_URL/m);
  });

  it('exits with one actionable line, and stops its Redis, when the port is taken', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'trainyard-e2e-'));
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      service = startAllInOne({ REDIS_URL: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
      const redisLine = JSON.parse(await service.waitForOutput(/private redis-server/)) as { redisPid: number };

      const exit = await service.exited;

      expect(exit.code).toBe(1);
      expect(service.output()).toMatch(new RegExp(`^trainyard: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\); set PORT`, 'm'));
      expect(processAlive(redisLine.redisPid)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('exits with one actionable line when REDIS_URL does not answer', async () => {
    service = startAllInOne({ REDIS_URL: 'redis://:secret-password@127.0.0.1:1', PORT: '0' });

    const exit = await service.exited;

    expect(exit.code).toBe(1);
    expect(service.output()).toMatch(/^trainyard: cannot reach Redis at REDIS_URL=redis:\/\/:\*\*\*@127\.0\.0\.1:1.*unset REDIS_URL/m);
    expect(service.output()).not.toContain('secret-password');
  });
});
