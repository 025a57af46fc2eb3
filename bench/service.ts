/**
 * `npm run bench:service [-- --rounds=N] [-- --threads=1,2] [-- --epochs=3] [-- --kernels=NAME]`: training through
 * the whole service against PyTorch in the same run. Starts a private redis-server (or uses
 * `REDIS_URL`), and for each `--threads` value an API (`src/api/server.ts`) and a worker
 * (`workers/main.ts`, one slot, `MAX_THREADS_PER_JOB` = that value, `ENGINE_KERNELS` = `--kernels`,
 * else the worker's default) on a queue of their own, each its own process; uploads
 * bench:engine's mnist-mlp (10,000 digits) and wide (2,000 digits) datasets once through
 * POST /v1/datasets; then, round after round, submits a job per workload and thread setting (in turn)
 * (`epochs` epochs, batch 64 / 128, Adam 1e-3, float32, no shuffling, no validation split) and
 * waits for BullMQ's `completed` event of the job (then checks GET /v1/jobs/{id}). Wall clock is
 * submit → completed; samples/s = rows × epochs ÷ wall seconds. The same round trains PyTorch one
 * epoch on 1 and on all threads (bench/torch.ts, the runner of bench:engine: data and initial
 * weights in raw float32 files, warm-up epoch not timed); ratios are ours ÷ the better of the
 * two, per round.
 *
 * The fixed per-job cost comes from the worker's debug lines (`run timings` and `job
 * completed`, see workers/run/training-run.ts): reads (spec, dataset, checkpoint), everything
 * before the training thread got the job, the thread's run and, in it, what preceded the first
 * epoch (kernels, createTrainer's checks and conversion, helper threads), and the completion
 * writes. "other" is the wall clock minus those and the epochs: the queue, BullMQ's fetch,
 * the completion event and the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { Pool } from 'undici';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../src/embedded-redis.js';
import { initializeWeights, type NetworkSpec } from '../src/engine/index.js';
import { createKeys } from '../src/store/keys.js';
import { loadMnist, subset, type Digits } from './mnist-digits.js';
import { prepareTorch, torchVersion } from './torch.js';
import { startService, waitForLog, type BenchService, type ServiceGroup } from './bench-services.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const ROUNDS = Number(arg('rounds', '3'));
const EPOCHS = Number(arg('epochs', '3'));
const KERNELS = arg('kernels', '');
const THREADS = arg('threads', [...new Set([1, availableParallelism()])].join(',')).split(',').map(Number);
const API_KEY = 'ty_bench_0123456789abcdef';
const AUTH = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

interface Workload {
  name: string;
  net: NetworkSpec;
  batchSize: number;
  data: Digits;
}

const digits = loadMnist(10_000);
const WORKLOADS: Workload[] = [
  {
    name: 'mnist-mlp', batchSize: 64, data: digits,
    net: { inputSize: 784, layers: [{ units: 128, activation: 'relu' }, { units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
  },
  {
    name: 'wide', batchSize: 128, data: subset(digits, 2000),
    net: { inputSize: 784, layers: [{ units: 512, activation: 'relu' }, { units: 512, activation: 'relu' }, { units: 10, activation: 'softmax' }] },
  },
];

// ---------------------------------------------------------------------------------------------
// Processes

const tmp = mkdtempSync(join(tmpdir(), 'trainyard-bench-service-'));
const group: ServiceGroup = { dir: tmp, running: [] };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// HTTP

/** One API per thread setting (each with its own queue and worker), sharing Redis and the key prefix. */
const apis: Pool[] = [];

async function request(api: Pool, method: 'GET' | 'POST', path: string, body?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await api.request({ method, path, headers: AUTH, ...(body !== undefined ? { body } : {}) });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Rows of a flat array, as JSON text without building the nested arrays as objects first. */
function rowsJson(values: Float64Array, width: number): string {
  const rows: string[] = [];
  for (let r = 0; r < values.length / width; r++) rows.push(`[${Array.from(values.subarray(r * width, (r + 1) * width)).join(',')}]`);
  return `[${rows.join(',')}]`;
}

async function uploadDataset(api: Pool, data: Digits): Promise<string> {
  const body = `{"inputs":${rowsJson(data.inputs, data.inputSize)},"targets":${rowsJson(data.targets, data.outputSize)}}`;
  const res = await request(api, 'POST', '/v1/datasets', body);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json.id as string;
}

function jobBody(w: Workload, datasetId: string, seed: number): string {
  return JSON.stringify({
    name: `bench ${w.name}`,
    model: w.net,
    loss: 'cross_entropy',
    optimizer: { type: 'adam', learningRate: 1e-3 },
    training: { epochs: EPOCHS, batchSize: w.batchSize, shuffle: false, seed, validationSplit: 0, precision: 'float32' },
    data: { datasetId },
  });
}

/** When BullMQ reported each job finished (its `completed`/`failed` events), by job id. */
const finishedAt = new Map<string, number>();

/**
 * Submits a job and waits until it has finished, learnt from BullMQ's event stream (a blocking
 * read: polling every few milliseconds would take CPU from the training threads on 2 cores),
 * then checks with GET /v1/jobs/{id} that it completed. Returns the wall seconds and its id.
 */
async function trainThroughService(api: Pool, w: Workload, datasetId: string, seed: number): Promise<{ seconds: number; jobId: string }> {
  const t0 = performance.now();
  const submitted = await request(api, 'POST', '/v1/jobs', jobBody(w, datasetId, seed));
  if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${JSON.stringify(submitted.json)}`);
  const jobId = submitted.json.id as string;
  for (let polls = 0; ; polls++) {
    const at = finishedAt.get(jobId);
    // A slow poll as well, in case an event is missed.
    if (at !== undefined || polls % 50 === 49) {
      const { json } = await request(api, 'GET', `/v1/jobs/${jobId}`);
      if (json.status === 'completed') return { seconds: ((at ?? performance.now()) - t0) / 1000, jobId };
      if (json.status === 'failed' || json.status === 'cancelled') throw new Error(`job ${jobId} ${String(json.status)}: ${JSON.stringify(json.error)}`);
    }
    await sleep(5);
  }
}

// ---------------------------------------------------------------------------------------------
// Worker log timings

interface RunTimings {
  specMs: number; datasetMs: number; checkpointMs: number; beforeThreadMs: number; threadMs: number;
  threadElapsedMs?: number; setupMs?: number; firstEpochsMs: number[]; threads: number; writeMs: number;
}

function timingsOf(worker: BenchService, jobId: string): RunTimings | undefined {
  let timings: Partial<RunTimings> | undefined;
  let writeMs: number | undefined;
  for (const line of worker.log().split('\n')) {
    if (!line.includes(jobId)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.jobId !== jobId) continue;
      if (entry.msg === 'run timings') timings = entry as Partial<RunTimings>;
      if (entry.msg === 'job completed') writeMs = entry.writeMs as number;
    } catch {
      // not a log line
    }
  }
  return timings && writeMs !== undefined ? ({ ...timings, writeMs } as RunTimings) : undefined;
}

// ---------------------------------------------------------------------------------------------

const range = (xs: number[], digits = 0): string => {
  const f = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return lo === hi ? f(lo) : `${f(lo)}–${f(hi)}`;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

let redisServer: RedisServerHandle | undefined;

async function main(): Promise<void> {
  const version = torchVersion();
  console.log(`# bench:service — ${new Date().toISOString()}; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; PyTorch ${version ?? 'absent'}`);
  console.log(`load average at start: ${load()}; worker kernels: ${KERNELS || 'ENGINE_KERNELS default'}`);
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl) {
    redisServer = await startRedisServer({ dir: join(tmp, 'redis'), appendOnly: false });
    redisUrl = redisServer.url;
  }
  const env = {
    REDIS_URL: redisUrl,
    HOST: '127.0.0.1',
    KEY_PREFIX: `tybench${process.pid}`,
    RATE_LIMIT_ENABLED: 'false',
    TRAINYARD_API_KEYS: `bench:${API_KEY}`,
    LOG_LEVEL: 'debug',
  };
  // Per thread setting an API and a worker on a queue of their own: the settings take turns
  // within each round, so each pair of runs sees the same load.
  const workers: BenchService[] = [];
  const queueEvents: QueueEvents[] = [];
  for (const threads of THREADS) {
    const queue = { QUEUE_NAME: `bench-service-${process.pid}-${threads}` };
    const events = new QueueEvents(queue.QUEUE_NAME, { connection: { url: redisUrl } as never, prefix: createKeys(env.KEY_PREFIX).bullPrefix });
    events.on('completed', ({ jobId }) => finishedAt.set(jobId, performance.now()));
    events.on('failed', ({ jobId }) => finishedAt.set(jobId, performance.now()));
    await events.waitUntilReady();
    queueEvents.push(events);
    const apiPort = await findFreePort();
    const apiService = startService(group, `api-${threads}`, 'src/api/server.ts', { ...env, ...queue, LOG_LEVEL: 'info', PORT: String(apiPort) });
    const worker = startService(group, `worker-${threads}`, 'workers/main.ts', {
      ...env, ...queue, WORKER_CONCURRENCY: '1', MAX_THREADS_PER_JOB: String(threads), ...(KERNELS ? { ENGINE_KERNELS: KERNELS } : {}),
    });
    workers.push(worker);
    await waitForLog(apiService, /api listening/, 60_000);
    await waitForLog(worker, /worker started/, 60_000);
    apis.push(new Pool(`http://127.0.0.1:${apiPort}`, { connections: 2 }));
  }
  // The workers' calibration runs in a thread of its own after start: let it finish.
  await sleep(3_000);

  const datasetIds = new Map<string, string>();
  for (const w of WORKLOADS) {
    const t0 = performance.now();
    datasetIds.set(w.name, await uploadDataset(apis[0], w.data));
    console.error(`uploaded ${w.name} (${w.data.samples} rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const torchRuns = new Map(WORKLOADS.map((w) => [w.name, prepareTorch({
    net: w.net, batchSize: w.batchSize, learningRate: 1e-3, samples: w.data.samples, inputs: w.data.inputs, targets: w.data.targets,
    weights: initializeWeights(w.net, 'auto', 1), warmupRows: Math.min(256, w.data.samples),
  })]));
  const torchThreads = [...new Set([1, availableParallelism()])];

  // sps[workload][column] per round; timings[workload][threads] per round
  const sps = new Map<string, Map<string, number[]>>();
  const timings = new Map<string, RunTimings[]>();
  const wall = new Map<string, number[]>();
  const push = <T>(map: Map<string, T[]>, key: string, value: T): void => void (map.get(key) ?? map.set(key, []).get(key)!).push(value);
  const spsOf = (w: string): Map<string, number[]> => sps.get(w) ?? sps.set(w, new Map()).get(w)!;
  const loads: string[] = [];

  try {
    // Warm-up jobs (first use of each dataset and of the helper threads), not counted.
    for (const [t, api] of apis.entries()) for (const w of WORKLOADS) await trainThroughService(api, w, datasetIds.get(w.name)!, 999 + t);
    for (let round = 0; round < ROUNDS; round++) {
      loads.push(load());
      for (const w of WORKLOADS) {
        for (const [t, threads] of THREADS.entries()) {
          const run = await trainThroughService(apis[t], w, datasetIds.get(w.name)!, round + 1);
          push(spsOf(w.name), `trainyard service, MAX_THREADS_PER_JOB=${threads}`, (w.data.samples * EPOCHS) / run.seconds);
          push(wall, `${w.name}|${threads}`, run.seconds * 1000);
          await sleep(100);
          const timing = timingsOf(workers[t], run.jobId);
          if (timing) push(timings, `${w.name}|${threads}`, timing);
          console.error(`${w.name} threads ${threads} round ${round + 1}: ${Math.round((w.data.samples * EPOCHS) / run.seconds)} samples/s (${(run.seconds * 1000).toFixed(0)} ms), load ${load()}`);
        }
        for (const tt of torchThreads) push(spsOf(w.name), `PyTorch ${tt}`, w.data.samples / torchRuns.get(w.name)!.run(tt).seconds);
      }
    }
  } finally {
    for (const t of torchRuns.values()) t.dispose();
  }

  const lines: string[] = [];
  lines.push(`${EPOCHS}-epoch jobs through the service (submit → completed, wall clock) against PyTorch ${version ?? '(absent)'} one epoch, ${ROUNDS} rounds; ranges are min–max over rounds; ratios per round: against the better PyTorch column of the same round, and against MAX_THREADS_PER_JOB=${THREADS[0]}.`);
  lines.push(`load averages at each round: ${loads.join(' | ')}`);
  lines.push('');
  lines.push(`| workload | engine | samples/s | × PyTorch best of ${torchThreads.join(' and ')} threads | × MAX_THREADS_PER_JOB=${THREADS[0]} |`);
  lines.push('|---|---|---:|---:|---:|');
  for (const w of WORKLOADS) {
    const columns = spsOf(w.name);
    const torchBest = Array.from({ length: ROUNDS }, (_, r) => Math.max(...torchThreads.map((t) => columns.get(`PyTorch ${t}`)?.[r] ?? 0)));
    for (const [label, values] of columns) {
      const first = columns.get(`trainyard service, MAX_THREADS_PER_JOB=${THREADS[0]}`)!;
      const ours = !label.startsWith('PyTorch');
      const ratio = ours ? `${range(values.map((v, r) => v / torchBest[r]), 2)}×` : '–';
      const scaling = ours ? `${range(values.map((v, r) => v / first[r]), 2)}×` : '–';
      lines.push(`| ${w.name} | ${label} | ${range(values)} | ${ratio} | ${scaling} |`);
    }
  }
  lines.push('');
  lines.push('Where a job’s time went (median ms over rounds; from the worker’s debug lines):');
  lines.push('');
  lines.push('| workload | threads | wall | spec read | dataset read + decode | checkpoint read | before thread (reads, mark running, thread) | setup in thread (kernels, createTrainer, helpers) | epochs 1–3 | thread run − epochs − setup | completion writes | other (submit, queue, fetch, completion event) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const w of WORKLOADS) {
    for (const threads of THREADS) {
      const ts = timings.get(`${w.name}|${threads}`) ?? [];
      const walls = wall.get(`${w.name}|${threads}`) ?? [];
      if (ts.length === 0) continue;
      const m = (f: (t: RunTimings) => number): number => median(ts.map(f));
      const epochs = (t: RunTimings): number => t.firstEpochsMs.reduce((a, b) => a + b, 0) - (t.setupMs ?? 0);
      const threadRest = (t: RunTimings): number => t.threadMs - epochs(t) - (t.setupMs ?? 0);
      const other = median(walls.map((wl, i) => wl - (ts[i] ? ts[i].beforeThreadMs + ts[i].threadMs + ts[i].writeMs : 0)));
      lines.push(`| ${w.name} | ${range(ts.map((t) => t.threads))} | ${median(walls).toFixed(0)} | ${m((t) => t.specMs).toFixed(1)} | ${m((t) => t.datasetMs).toFixed(1)} | ${m((t) => t.checkpointMs).toFixed(1)} | ${m((t) => t.beforeThreadMs).toFixed(1)} | ${m((t) => t.setupMs ?? NaN).toFixed(1)} | ${m(epochs).toFixed(1)} | ${m(threadRest).toFixed(1)} | ${m((t) => t.writeMs).toFixed(1)} | ${other.toFixed(1)} |`);
    }
  }
  lines.push('');
  lines.push(`load average at the end: ${load()}`);
  console.log(lines.join('\n'));
  await Promise.all(queueEvents.map((e) => e.close()));
}

try {
  await main();
} finally {
  for (const api of apis) await api.close().catch(() => undefined);
  for (const s of [...group.running].reverse()) await s.stop();
  await redisServer?.stop();
  rmSync(tmp, { recursive: true, force: true });
}
