/**
 * `npm run test:chaos`: a Redis Cluster (3 masters + 3 replicas) loses a master to `kill -9`
 * twice while 100 jobs train on 3 worker processes behind 2 API processes: first the master of
 * the queue's `{ty}` slot, then the master holding a running job's checkpoint. Every job
 * answered 202 completes with the weights of an uninterrupted run, every uploaded dataset stays
 * readable, no process is restarted, and the APIs answer 503 (never 500, never a hang) only
 * during the failover windows, whose length is printed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { closeConnection, createWorkerConnection } from '../../src/queue/connection.js';
import { createJobStore } from '../../src/store/job-store.js';
import { createTenantUsage } from '../../src/store/tenant-usage.js';
import { createKeys } from '../../src/store/keys.js';
import { enableWasmFeatures } from '../../src/wasm-features.js';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { startApiProcess, startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';
import { circleData, referenceWeightsHash, sha256 } from '../integration/workers/harness.js';

const JOBS = 100;
const UPLOADS = 5;
const ROWS = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  at: number;
  /** `job`: GET /v1/jobs/{id} of a job on the master about to fail; `readyz`: the readiness check. */
  kind: 'job' | 'readyz';
  api: number;
  outcome: number | 'hang' | 'error';
}

/** A client's POST: retried while the API answers 503 with Retry-After (only a 201/202 acknowledges). */
async function post(url: string, body: unknown): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 503 || attempt >= 120) return response;
    await response.arrayBuffer();
    await sleep(250);
  }
}

function jobBody(seed: number, data: unknown): unknown {
  return {
    model: { inputSize: 2, layers: [{ units: 32, activation: 'tanh' }, { units: 32, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.01 },
    training: { epochs: 400, batchSize: 32, seed, precision: 'float64' },
    data,
  };
}

/** The stretch of non-200 answers after `from`: [first, last] times, or null when none. */
function windowAfter(probes: Probe[], from: number, until: number): { start: number; end: number } | null {
  const bad = probes.filter((p) => p.at >= from && p.at < until && p.outcome !== 200);
  if (bad.length === 0) return null;
  return { start: bad[0].at, end: bad[bad.length - 1].at };
}

describe('Redis Cluster failover under load', () => {
  let cluster: TestRedisCluster | undefined;
  let services: ServiceProcess[] = [];

  afterAll(async () => {
    await stopAll(services);
    await cluster?.stop();
  });

  it('kill -9 of the {ty} master, then of a running job’s checkpoint master: every acknowledged job and upload survives; 503 only in the failover windows', async () => {
    enableWasmFeatures();
    cluster = await startTestRedisCluster();
    const env = {
      REDIS_CLUSTER_NODES: cluster.nodesEnv, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '1000',
      PORT: '0', LOG_LEVEL: 'info', TRAINYARD_API_KEYS: '', WORKER_CONCURRENCY: '1',
      LOCK_DURATION_MS: '10000', STALLED_INTERVAL_MS: '2000', CHECKPOINT_INTERVAL_MS: '200',
      // 3 training threads on this 2-core machine delay the APIs' event loops: load shedding would
      // answer 503 outside the failovers, which this test tells apart from a failover's 503s.
      MAX_EVENT_LOOP_DELAY_MS: '0',
    };
    const apis = [startApiProcess(env), startApiProcess(env)];
    const workers = [startWorkerProcess(env), startWorkerProcess(env), startWorkerProcess(env)];
    services = [...apis, ...workers];
    const bases = await Promise.all(apis.map(async (api) => (JSON.parse(await api.waitForOutput(/"api listening"/, 60_000)) as { url: string }).url));
    await Promise.all(workers.map((w) => w.waitForOutput(/"worker started"/, 60_000)));
    const config = loadConfig({ REDIS_CLUSTER_NODES: cluster.nodesEnv });
    const redis = createWorkerConnection(config, 'trainyard-chaos-check');
    redis.on('error', () => undefined);
    const jobs = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
    const keys = createKeys(config.KEY_PREFIX);

    // Acknowledged work: 5 uploads (201) and 100 jobs (202), spread over both APIs.
    const data = circleData(ROWS);
    const datasetIds: string[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const response = await post(`${bases[i % 2]}/v1/datasets`, data);
      expect(response.status, response.status === 201 ? '' : await response.clone().text()).toBe(201);
      datasetIds.push(((await response.json()) as { id: string }).id);
    }
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const source = i < UPLOADS ? { datasetId: datasetIds[i] } : data;
      // 10 seeds, 10 jobs each: 10 reference runs to compare against, not 100.
      const response = await post(`${bases[i % 2]}/v1/jobs`, jobBody(7000 + (i % 10), source));
      expect(response.status, response.status === 202 ? '' : await response.clone().text()).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }

    // Both APIs polled every 25 ms from here on: the status of a job whose keys live on the
    // master about to be killed (set before each kill), and /readyz (which reads the queue).
    const probes: Probe[] = [];
    let probing = true;
    let probePath = `/v1/jobs/${ids[0]}`;
    const probeLoop = (async () => {
      while (probing) {
        const targets = [...bases.map((base, api) => ({ url: `${base}${probePath}`, kind: 'job' as const, api })), ...bases.map((base, api) => ({ url: `${base}/readyz`, kind: 'readyz' as const, api }))];
        await Promise.all(targets.map(async ({ url, kind, api }) => {
          const at = Date.now();
          try {
            const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
            await response.arrayBuffer();
            probes.push({ at, kind, api, outcome: response.status });
          } catch (err) {
            probes.push({ at, kind, api, outcome: (err as Error).name === 'TimeoutError' ? 'hang' : 'error' });
          }
        }));
        await sleep(25);
      }
    })();

    const runningJob = async (): Promise<string | undefined> => {
      for (const id of ids) if ((await jobs.getJob(id))?.status === 'running') return id;
      return undefined;
    };
    while (!(await runningJob())) await sleep(50);

    // 1. The master of the queue's slot.
    const queueMaster = await cluster.masterOfSlot(await cluster.keySlot(keys.bullPrefix));
    for (const id of ids) {
      if ((await cluster.masterOfSlot(await cluster.keySlot(keys.jobRecord(id)))) !== queueMaster) continue;
      probePath = `/v1/jobs/${id}`;
      break;
    }
    await sleep(200);
    const firstKillAt = Date.now();
    cluster.members.find((m) => m.port === queueMaster)!.server.signal('SIGKILL');
    await cluster.waitHealthy(60_000);
    await sleep(1_000);

    // 2. The master holding a running job's checkpoint, among those that still have a replica.
    let secondKillAt = 0;
    let secondVictim: number | undefined;
    for (let tries = 0; tries < 200 && secondVictim === undefined; tries++) {
      const id = await runningJob();
      if (id) {
        const master = await cluster.masterOfSlot(await cluster.keySlot(keys.jobCheckpoint(id)));
        if ((await cluster.replicasOf(master)).length > 0) {
          secondVictim = master;
          probePath = `/v1/jobs/${id}`;
        }
      }
      if (secondVictim === undefined) await sleep(50);
    }
    if (secondVictim !== undefined) {
      await sleep(200);
      secondKillAt = Date.now();
      cluster.members.find((m) => m.port === secondVictim)!.server.signal('SIGKILL');
      await cluster.waitHealthy(60_000);
    }

    const deadline = Date.now() + 300_000;
    const finals = new Map<string, string>();
    while (finals.size < ids.length && Date.now() < deadline) {
      for (const id of ids) {
        if (finals.has(id)) continue;
        const status = (await jobs.getJob(id).catch(() => null))?.status;
        if (status === 'completed' || status === 'failed' || status === 'cancelled') finals.set(id, status);
      }
      await sleep(250);
    }
    await sleep(500);
    probing = false;
    await probeLoop;

    const completed = ids.filter((id) => finals.get(id) === 'completed');
    const mismatched: string[] = [];
    const references = new Map<number, string>();
    for (const id of completed) {
      const [result, spec] = await Promise.all([jobs.getResult(id), jobs.getSpec(id)]);
      const seed = spec!.training.seed;
      if (!references.has(seed)) references.set(seed, referenceWeightsHash(spec!, ROWS));
      if (sha256(result!.weights) !== references.get(seed)) mismatched.push(id);
    }
    const listed = await (await fetch(`${bases[1]}/v1/datasets?limit=100`)).json() as { items: { id: string }[] };
    const jobProbes = probes.filter((p) => p.kind === 'job');
    const readyProbes = probes.filter((p) => p.kind === 'readyz');
    const first = windowAfter(jobProbes, firstKillAt, secondKillAt || Infinity);
    const second = secondKillAt ? windowAfter(jobProbes, secondKillAt, Infinity) : null;
    const readyWindow = windowAfter(readyProbes, firstKillAt, Infinity);
    const tally = (list: Probe[]): string => {
      const outcomes = new Map<string, number>();
      for (const probe of list) outcomes.set(String(probe.outcome), (outcomes.get(String(probe.outcome)) ?? 0) + 1);
      return JSON.stringify(Object.fromEntries(outcomes));
    };
    console.info(
      `cluster failover: jobs acknowledged ${ids.length}, completed ${completed.length}, bit-identical ${completed.length - mismatched.length}; uploads acknowledged ${UPLOADS}, listed ${datasetIds.filter((id) => listed.items.some((d) => d.id === id)).length}; ` +
        `window after killing the {ty} master: ${first ? `${first.end - first.start} ms (first non-200 ${first.start - firstKillAt} ms after the kill)` : 'no error seen'}; ` +
        `after killing checkpoint master :${secondVictim ?? '-'}: ${second ? `${second.end - second.start} ms` : 'no error seen'}; job-status answers ${tally(jobProbes)}, /readyz answers ${tally(readyProbes)}` +
        (readyWindow ? ` (/readyz not ready from ${readyWindow.start - firstKillAt} ms to ${readyWindow.end - firstKillAt} ms after the first kill)` : ''),
    );
    // Keys and bytes per surviving master (MEMORY USAGE of every key), after the run.
    const shards: string[] = [];
    for (const port of await cluster.masters()) {
      let cursor = '0';
      let count = 0;
      let bytes = 0;
      do {
        const [next, batch] = await cluster.admin(port).scan(cursor, 'COUNT', 1000);
        cursor = next;
        count += batch.length;
        for (const key of batch) bytes += Number((await cluster.admin(port).call('MEMORY', 'USAGE', key)) ?? 0);
      } while (cursor !== '0');
      shards.push(`:${port} ${count} keys ${bytes} B`);
    }
    console.info(`cluster failover: keys and bytes per shard after the run: ${shards.join(' | ')}`);
    await closeConnection(redis);

    expect(completed).toHaveLength(JOBS);
    expect(mismatched).toEqual([]);
    expect(datasetIds.every((id) => listed.items.some((d) => d.id === id))).toBe(true);
    // Never a 500, an error or a hang: 200, or 503 while a master's slots move.
    expect(probes.filter((p) => p.outcome === 500 || p.outcome === 'hang' || p.outcome === 'error')).toEqual([]);
    expect(probes.every((p) => p.outcome === 200 || p.outcome === 503)).toBe(true);
    // Job reads: all 200 before the first kill and again at the end (the 503s lie in the windows).
    expect(jobProbes.filter((p) => p.at < firstKillAt && p.outcome !== 200)).toEqual([]);
    expect(jobProbes.slice(-10).map((p) => p.outcome)).toEqual(Array(10).fill(200));
    expect(secondVictim).toBeDefined();
    expect(services.every((s) => s.child.exitCode === null && s.child.signalCode === null)).toBe(true);
  }, 600_000);
});
