import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.js';
import { closeConnection, confirmWrites, createProducerConnection } from '../../src/queue/connection.js';
import { LUA_SCRIPTS } from '../../src/store/lua/index.js';
import { startTestRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { startApiProcess, startWorkerProcess, stopAll, type ServiceProcess } from '../helpers/processes.js';

const XOR = {
  model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
  loss: 'mse',
  optimizer: { type: 'adam', learningRate: 0.05 },
  training: { epochs: 300, batchSize: 4, seed: 11 },
  data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
};

/** One EVAL or EVALSHA seen by MONITOR on a master: the script (source or sha) and its keys. */
interface ScriptCall {
  script: string;
  keys: string[];
}

/**
 * fetch, retried while the service answers 503 (a just-started API sheds load while its start-up
 * blocked the event loop; a client honours Retry-After).
 */
async function request(url: string, init?: RequestInit): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const response = await fetch(url, init);
    if (response.status !== 503 || Date.now() > deadline) return response;
    await response.arrayBuffer();
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function json(response: Response): Promise<{ status: number; body: any; headers: Headers }> {
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** How many keys of every master start with `prefix`. */
async function countKeys(cluster: TestRedisCluster, prefix: string): Promise<number> {
  let count = 0;
  for (const port of await cluster.masters()) {
    let cursor = '0';
    do {
      const [next, batch] = await cluster.admin(port).scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      count += batch.length;
    } while (cursor !== '0');
  }
  return count;
}

/** Pauses every replica's clients for `ms` (they stop acknowledging replication), as CLIENT PAUSE does. */
async function pauseReplicas(cluster: TestRedisCluster, ms: number): Promise<void> {
  for (const master of await cluster.masters()) {
    for (const replica of await cluster.replicasOf(master)) await cluster.admin(replica).call('CLIENT', 'PAUSE', String(ms), 'ALL');
  }
}

/** Every key of every master with its MEMORY USAGE: keys and bytes per shard. */
async function shardDistribution(cluster: TestRedisCluster): Promise<Array<{ port: number; keys: number; bytes: number; queueKeys: number }>> {
  const out = [];
  for (const port of await cluster.masters()) {
    const admin = cluster.admin(port);
    let cursor = '0';
    let keys = 0;
    let bytes = 0;
    let queueKeys = 0;
    do {
      const [next, batch] = await admin.scan(cursor, 'COUNT', 500);
      cursor = next;
      for (const key of batch) {
        keys++;
        if (key.startsWith('{ty}:')) queueKeys++;
        bytes += Number((await admin.call('MEMORY', 'USAGE', key)) ?? 0);
      }
    } while (cursor !== '0');
    out.push({ port, keys, bytes, queueKeys });
  }
  return out;
}

describe('the service on a Redis Cluster (3 masters, 3 replicas)', () => {
  let cluster: TestRedisCluster;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let base: string;
  const monitors: Redis[] = [];
  const calls: ScriptCall[] = [];

  beforeAll(async () => {
    cluster = await startTestRedisCluster();
    // MONITOR on every master records the scripts the service sends (keys included).
    for (const port of await cluster.masters()) {
      const monitor = await cluster.admin(port).monitor();
      monitor.on('monitor', (_time: string, args: string[]) => {
        const command = String(args[0]).toLowerCase();
        if (command !== 'eval' && command !== 'evalsha') return;
        const count = Number(args[2]);
        calls.push({ script: String(args[1]), keys: args.slice(3, 3 + count).map(String) });
      });
      monitors.push(monitor);
    }
    const env = { REDIS_CLUSTER_NODES: cluster.nodesEnv, REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: '500', PORT: '0', WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info', TRAINYARD_API_KEYS: '', CHECKPOINT_INTERVAL_MS: '0' };
    api = startApiProcess(env);
    worker = startWorkerProcess(env);
    const ready = JSON.parse(await api.waitForOutput(/"api listening"/, 60_000)) as { url: string };
    await worker.waitForOutput(/"worker started"/, 60_000);
    base = ready.url;
  }, 180_000);

  afterAll(async () => {
    for (const monitor of monitors) monitor.disconnect();
    await stopAll([api, worker]);
    await cluster?.stop();
  });

  async function submit(body: unknown): Promise<string> {
    const response = await json(await request(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body.id as string;
  }

  async function waitForStatus(id: string, statuses: string[], timeoutMs = 60_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await json(await request(`${base}/v1/jobs/${id}`));
      if (statuses.includes(body?.status)) return body;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${body?.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('trains and serves every endpoint: submit, poll, curve, result, predict, events, datasets, webhook secret, fork, pause, resume, cancel, delete', async () => {
    const id = await submit(XOR);
    const done = await waitForStatus(id, ['completed', 'failed']);
    const curve = await json(await request(`${base}/v1/jobs/${id}/metrics?since=0`));
    const result = await json(await request(`${base}/v1/jobs/${id}/result`));
    const predicted = await json(await request(`${base}/v1/jobs/${id}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [[0, 1], [1, 1]] }) }));
    const events = await (await request(`${base}/v1/jobs/${id}/events`)).text();

    const upload = await json(await request(`${base}/v1/datasets?targetColumns=1`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n' }));
    const onDataset = await submit({ ...XOR, data: { datasetId: upload.body.id } });
    const onDatasetDone = await waitForStatus(onDataset, ['completed', 'failed']);
    const datasets = await json(await request(`${base}/v1/datasets`));
    const secret = await json(await request(`${base}/v1/webhook-secret`));
    const rotated = await json(await request(`${base}/v1/webhook-secret/rotate`, { method: 'POST' }));

    const fork = await json(await request(`${base}/v1/jobs/${id}/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ epochs: 20 }) }));
    const forkDone = await waitForStatus(fork.body.id, ['completed', 'failed']);

    const long = await submit({ ...XOR, training: { epochs: 100_000, batchSize: 1, seed: 3 } });
    await waitForStatus(long, ['running', 'completed']);
    const pause = await request(`${base}/v1/jobs/${long}/pause`, { method: 'POST' });
    const paused = await waitForStatus(long, ['paused', 'completed', 'failed']);
    const resume = await request(`${base}/v1/jobs/${long}/resume`, { method: 'POST' });
    await waitForStatus(long, ['running', 'completed']);
    const cancel = await request(`${base}/v1/jobs/${long}/cancel`, { method: 'POST' });
    const cancelled = await waitForStatus(long, ['cancelled', 'completed', 'failed']);
    const deleted = await request(`${base}/v1/jobs/${id}`, { method: 'DELETE' });
    const gone = await request(`${base}/v1/jobs/${id}`);

    expect(done).toMatchObject({ status: 'completed', progress: { epoch: 300 } });
    expect(curve.status).toBe(200);
    expect(curve.body.points.length).toBeGreaterThan(0);
    expect(result.body.weights).toHaveLength(2);
    expect(predicted.status).toBe(200);
    expect(predicted.body.outputs).toHaveLength(2);
    expect(events).toMatch(/event: status/);
    expect(events).toMatch(/completed/);
    expect(upload.status).toBe(201);
    expect(onDatasetDone.status).toBe('completed');
    expect(datasets.body.items.map((d: { id: string }) => d.id)).toContain(upload.body.id);
    expect(secret.status).toBe(200);
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousSecret).toBe(secret.body.secret);
    expect(rotated.body.secret).not.toBe(secret.body.secret);
    expect(fork.status).toBe(202);
    expect(forkDone).toMatchObject({ status: 'completed', progress: { epoch: 320 }, forkedFrom: { jobId: id, epoch: 300 } });
    expect(pause.status).toBe(202);
    expect(paused.status).toBe('paused');
    expect(resume.status).toBe(202);
    expect(cancel.status).toBeLessThan(300);
    expect(cancelled.status).toBe('cancelled');
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(api.logLines().filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(worker.logLines().filter((l) => (l.level as number) >= 50)).toEqual([]);
  }, 240_000);

  it('sends every Lua script with keys of one hash slot (CLUSTER KEYSLOT), trainyard’s and BullMQ’s', async () => {
    const slotOf = new Map<string, number>();
    const crossSlot: string[] = [];
    for (const call of calls) {
      for (const key of call.keys) if (!slotOf.has(key)) slotOf.set(key, await cluster.keySlot(key));
      const slots = new Set(call.keys.map((key) => slotOf.get(key)));
      if (slots.size > 1) crossSlot.push(`${call.keys.join(' ')} → slots ${[...slots].join(', ')}`);
    }
    // MONITOR prints a script with its newlines and quotes escaped: compare without whitespace, quotes and backslashes.
    const normalise = (text: string): string => text.replace(/\\[nrt]/g, '').replace(/[\s"'\\]/g, '');
    const seen = new Set(calls.map((call) => normalise(call.script)));
    const registeredSeen = LUA_SCRIPTS.filter((script) => seen.has(normalise(script.source))).map((script) => script.name);
    console.info(`cluster: ${calls.length} script calls checked on ${slotOf.size} keys; registered scripts seen: ${registeredSeen.join(', ')}`);

    expect(calls.length).toBeGreaterThan(0);
    expect(crossSlot).toEqual([]);
    // The run above sends every script of LUA_SCRIPTS at least once (webhook secrets included).
    expect(registeredSeen).toEqual(LUA_SCRIPTS.map((script) => script.name));
  });

  it('confirms writes with WAIT on the master of each hash tag, and refuses them with 503 when its replicas do not acknowledge', async () => {
    const config = { ...loadConfig({}), REDIS_CLUSTER_NODES: cluster.nodesEnv, REDIS_WAIT_REPLICAS: 1, REDIS_WAIT_TIMEOUT_MS: 300 } as Config;
    const redis = createProducerConnection(config, 'trainyard-test-wait');
    redis.on('error', () => undefined);
    const keys = ['wait-test:job:{a}:rec', 'wait-test:t:{tenant-b}:jobs', '{ty}:wait-test'];
    for (const key of keys) await redis.set(key, '1').catch(async () => {
      await new Promise((r) => setTimeout(r, 500));
      await redis.set(key, '1');
    });

    const confirmed = await confirmWrites(redis, config, keys).then(() => 'confirmed', (err: Error) => err.message);
    await pauseReplicas(cluster, 1_500);
    for (const key of keys) await redis.set(key, '2');
    const refused = await confirmWrites(redis, config, keys).then(() => 'confirmed', (err: { status?: number; code?: string }) => `${err.status} ${err.code}`);
    await new Promise((r) => setTimeout(r, 1_600));
    await closeConnection(redis);

    expect(confirmed).toBe('confirmed');
    expect(refused).toBe('503 unavailable');
  });

  it('answers a submit 503 unavailable, with nothing stored, while the replicas cannot confirm (CLIENT PAUSE)', async () => {
    const jobKeysBefore = await countKeys(cluster, 'ty:job:');
    // BullMQ's job hashes (`{ty}:training:<job id>`); its other keys come and go on their own.
    const QUEUED_JOBS = '{ty}:training:????????-????-????-????-';
    const queuedBefore = await countKeys(cluster, QUEUED_JOBS);

    await pauseReplicas(cluster, 3_000);
    const response = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(XOR) });
    const problem = (await response.json()) as { code: string };
    await new Promise((r) => setTimeout(r, 3_100));
    const jobKeysAfterRefusal = await countKeys(cluster, 'ty:job:');
    const queuedAfterRefusal = await countKeys(cluster, QUEUED_JOBS);
    const after = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(XOR) });

    expect(response.status).toBe(503);
    expect(problem.code).toBe('unavailable');
    expect(after.status).toBe(202);
    // The refused submit left no key behind (no record, no queue entry); the accepted one did.
    expect(jobKeysAfterRefusal).toBe(jobKeysBefore);
    expect(queuedAfterRefusal).toBe(queuedBefore);
    expect(await countKeys(cluster, 'ty:job:')).toBeGreaterThan(jobKeysBefore);
  });

  it('spreads jobs and datasets over the shards by their own hash tags, and keeps the queue on the {ty} slot', async () => {
    const queueSlot = await cluster.keySlot('{ty}');
    const queueMaster = await cluster.masterOfSlot(queueSlot);

    const shards = await shardDistribution(cluster);
    console.info(`cluster: keys and bytes per shard: ${shards.map((s) => `:${s.port} ${s.keys} keys (${s.queueKeys} queue) ${s.bytes} B`).join(' | ')}`);

    expect(shards.filter((s) => s.keys > 0).length).toBeGreaterThanOrEqual(2);
    for (const shard of shards) expect(shard.queueKeys > 0).toBe(shard.port === queueMaster);
  });
});
