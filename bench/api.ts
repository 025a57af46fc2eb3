/**
 * `npm run bench:api [-- --quick] [-- --profile-api]`: the service half of the README's "Performance". One run
 * measures trainyard's HTTP API, queue and workers against references started on the same
 * machine in the same run, and prints one markdown table (measurement | trainyard | baseline |
 * ratio | target | met?).
 *
 * Process model (as in production, each its own process): a private redis-server (no
 * persistence) on a free loopback port; the API (`src/api/server.ts`, auth on with one key,
 * RATE_LIMIT_ENABLED=false, everything else at its defaults, logs to a file); worker processes
 * (`workers/main.ts`) started and stopped per phase with the thread count each phase needs; the
 * baseline, a bare Fastify hello-world (`bench/api-hello.ts`) started exactly like the API; and
 * the raw `queue.add` reference (`bench/api-queue-add.ts`), a child process too. autocannon runs
 * in this process, so it never shares an event loop with a server.
 *
 * Phases:
 *  1. raw BullMQ `queue.add` (100 in flight) vs `POST /v1/jobs` (100 connections, a small
 *     inline XOR spec, no worker running); Redis is flushed afterwards.
 *  2. tiny jobs (XOR 2-8-1, 100 epochs), one at a time: submit, then poll `GET /v1/jobs/{id}`
 *     every 2 ms on one keep-alive connection until `completed`; the overhead of a job is that
 *     wall time minus the engine's own time (`metrics.durationMs` of its result, measured in the
 *     training thread around createKernels + the training loop). Polling adds on average about
 *     half its interval plus one request's latency (~1–2 ms) to each measurement.
 *  3. `GET /v1/jobs/{id}` of a completed job at 100 connections, without and with
 *     `If-None-Match` (304), against the hello-world's `GET /` (same connections, same duration).
 *  4. CPU-bound jobs (an MLP of a few hundred ms each) on a worker with 1 training thread, then
 *     one with 2: jobs/s from the first submit to the last completion (learnt from BullMQ's
 *     event stream, so the bench's own polls do not take CPU from the threads). The same jobs on
 *     the engine alone (bench/api-engine-threads.ts: worker_threads, no Redis, queue or HTTP)
 *     give the machine's own 2-vs-1 ceiling.
 *  5. the same batch on a 1-thread worker, without and then with 200 connections polling
 *     `GET /v1/jobs/{id}` flat out; once with every process free to use both cores, once with
 *     the worker pinned to CPU 1 and the API, Redis and autocannon to CPU 0 (taskset), which
 *     separates the effect of polling on training from plain CPU sharing on a 2-core machine.
 *
 * Each phase first waits for a quiet machine, measures the CPU other processes use meanwhile
 * (printed under the table) and is run again when they took more than 0.3 cores. For the
 * batches the bench prints where the cores went, thread by thread.
 *
 * `--quick` is a smoke run (2 s per load test, fewer jobs). `--profile-api` (`--profile-worker`)
 * starts the API (the workers) with `--cpu-prof` and leaves the .cpuprofile files, one per thread,
 * in a directory it names at the end (summarise it with
 * `tsx bench/api-profile.ts <file>`). `--only=post,tiny,get,threads,polling` runs some phases.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../src/embedded-redis.js';
import { createKeys } from '../src/store/keys.js';
import { CPU_JOB, cpuJobSubmission } from './api-workloads.js';
import { startService, waitForLog, type BenchService, type ServiceGroup } from './bench-services.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profileApi = args.includes('--profile-api');
const profileWorker = args.includes('--profile-worker');
const PHASES = ['post', 'tiny', 'get', 'threads', 'polling'] as const;
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : [...PHASES];
const wants = (phase: (typeof PHASES)[number]): boolean => only.includes(phase);

const LOAD_SECONDS = quick ? 2 : 10;
const WARMUP_SECONDS = quick ? 1 : 3;
const TINY_JOBS = quick ? 20 : 200;
const TINY_WARMUP_JOBS = quick ? 3 : 10;
const CPU_JOBS = quick ? 4 : 10;
const CONNECTIONS = 100;
const POLL_CONNECTIONS = 200;
const API_KEY = 'ty_bench_0123456789abcdef';
const AUTH = { authorization: `Bearer ${API_KEY}` };

// ---------------------------------------------------------------------------------------------
// Child processes

const tmp = mkdtempSync(join(tmpdir(), 'trainyard-bench-api-'));
const group: ServiceGroup = { dir: tmp, running: [] };
const services = group.running;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sets the CPU affinity of a process and all its threads (`taskset -a`). */
function pin(pid: number, cpuList: string): void {
  execFileSync('taskset', ['-a', '-c', '-p', cpuList, String(pid)], { stdio: 'ignore' });
}

// ---------------------------------------------------------------------------------------------
// Job specs

function xorSpec(epochs: number, seed: number): Record<string, unknown> {
  return {
    name: 'bench xor',
    model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.05 },
    training: { epochs, batchSize: 4, seed },
    data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
  };
}

const CPU_SAMPLE_EPOCHS = CPU_JOB.samples * CPU_JOB.epochs;

// ---------------------------------------------------------------------------------------------
// HTTP helpers

let api: Pool;

async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await api.request({
    method,
    path,
    headers: body === undefined ? AUTH : { ...AUTH, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? JSON.parse(text) : null };
}

async function submit(spec: Record<string, unknown>): Promise<string> {
  const { status, json } = await call('POST', '/v1/jobs', spec);
  if (status !== 202) throw new Error(`submit answered ${status}: ${JSON.stringify(json)}`);
  return json.id as string;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Polls a job every `intervalMs` until it is terminal; resolves with the time it was seen done. */
async function waitDone(id: string, intervalMs: number): Promise<number> {
  for (;;) {
    const { json } = await call('GET', `/v1/jobs/${id}`);
    if (TERMINAL.has(json.status)) {
      if (json.status !== 'completed') throw new Error(`job ${id} ended ${json.status}: ${JSON.stringify(json.error)}`);
      return performance.now();
    }
    await sleep(intervalMs);
  }
}

async function engineMs(id: string): Promise<number> {
  const { status, json } = await call('GET', `/v1/jobs/${id}/result`);
  if (status !== 200) throw new Error(`result of ${id} answered ${status}`);
  return json.metrics.durationMs as number;
}

interface Load {
  /** Responses with the expected status per second (others are listed, never counted). */
  rps: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  errors: number;
}

/**
 * The API closes a connection after 1,000 requests (maxRequestsPerSocket, which spreads clients
 * over API processes). A client honouring `Connection: close` reconnects; autocannon does not and
 * then reads 503s, so every load test reconnects on its own after this many requests (the
 * hello-world's too).
 */
const RECONNECT_EVERY = 500;

function runAutocannon(options: autocannon.Options, expected = '200'): { result: Promise<Load>; stop: () => void } {
  let instance: autocannon.Instance | undefined;
  const result = new Promise<Load>((resolve, reject) => {
    instance = autocannon({ reconnectRate: RECONNECT_EVERY, ...options }, (err, r) => {
      if (err) return reject(err);
      const statuses: Record<string, number> = {};
      for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = Number(stat.count);
      resolve({ rps: (statuses[expected] ?? 0) / r.duration, p50: r.latency.p50, p99: r.latency.p99, statuses, errors: r.errors + r.timeouts });
    });
  });
  return { result, stop: () => instance!.stop() };
}

/** A warm-up, then a measured autocannon run of `LOAD_SECONDS`. */
async function load(options: autocannon.Options, expected = '200'): Promise<Load> {
  await runAutocannon({ ...options, duration: WARMUP_SECONDS }, expected).result;
  return runAutocannon({ ...options, duration: LOAD_SECONDS }, expected).result;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// ---------------------------------------------------------------------------------------------
// Other load on the machine (a shared 2-core box: someone's test run halves every number)

const CLOCK_TICKS = 100;

/** CPU seconds every CPU of the machine spent busy, from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = fields.map(Number);
  return (user + nice + system + irq + softirq) / CLOCK_TICKS;
}

function processSeconds(pid: number, withReapedChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // Fields 14–17 of proc(5): utime, stime, cutime, cstime (here from index 11).
    return (fields[11] + fields[12] + (withReapedChildren ? fields[13] + fields[14] : 0)) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds of this bench and every process it started (reaped ones count through this one). */
function benchSeconds(): number {
  let total = processSeconds(process.pid, true);
  for (const service of services) if (service.child.pid !== undefined && service.child.exitCode === null) total += processSeconds(service.child.pid, false);
  const redisPid = redisServer?.pid();
  if (redisPid !== undefined) total += processSeconds(redisPid, false);
  return total;
}

/** CPU seconds of each thread of a process, keyed `<comm>#<tid>`. */
function threadSeconds(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      out.set(`${comm}#${tid}`, processSecondsOfTask(pid, tid));
    } catch {
      // the thread ended
    }
  }
  return out;
}

function processSecondsOfTask(pid: number, tid: string): number {
  const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (fields[11] + fields[12]) / CLOCK_TICKS;
}

/**
 * Where the cores went while `body` ran: each thread of the worker process, and the API, Redis
 * and this bench as wholes, in cores (CPU seconds per wall second), busiest first.
 */
async function cpuBreakdown<T>(workerPid: number, body: () => Promise<T>): Promise<{ result: T; cores: Array<[string, number]> }> {
  const wholes = (): Map<string, number> => new Map([
    ['api', processSeconds(services.find((x) => x.name === 'api')?.child.pid ?? -1, false)],
    ['redis', processSeconds(redisServer?.pid() ?? -1, false)],
    ['bench (autocannon, polls)', processSeconds(process.pid, false)],
  ]);
  const before = new Map([...wholes(), ...[...threadSeconds(workerPid)].map(([k, v]) => [`worker ${k}`, v] as [string, number])]);
  const start = performance.now();
  const result = await body();
  const seconds = (performance.now() - start) / 1000;
  const after = new Map([...wholes(), ...[...threadSeconds(workerPid)].map(([k, v]) => [`worker ${k}`, v] as [string, number])]);
  const cores = [...after].map(([k, v]): [string, number] => [k, (v - (before.get(k) ?? 0)) / seconds]).filter(([, c]) => c >= 0.005).sort((a, b) => b[1] - a[1]);
  return { result, cores };
}

/** Measures the cores other processes kept busy from now until `stop()`. */
function startForeignMeter(): { stop(): number } {
  const machine = machineBusySeconds();
  const ours = benchSeconds();
  const start = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - start) / 1000;
      return Math.max(0, machineBusySeconds() - machine - (benchSeconds() - ours)) / Math.max(seconds, 0.001);
    },
  };
}

/** Waits (up to `maxMs`) for a second in which other processes use under 0.2 cores. */
async function waitForQuiet(maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const meter = startForeignMeter();
    await sleep(1000);
    const foreign = meter.stop();
    if (foreign < 0.2 || Date.now() > deadline) return;
    process.stderr.write(`bench:api: other processes use ${foreign.toFixed(2)} cores; waiting for a quiet machine …\n`);
  }
}

const foreignLoad: Array<{ phase: string; cores: number }> = [];

/** A phase during which other processes used more cores than this is run again (twice at most). */
const NOISY_CORES = 0.3;

/**
 * Runs one phase after waiting for a quiet machine and records the other processes' load during
 * it; a phase disturbed by more than {@link NOISY_CORES} is run again, and the least disturbed
 * run is kept.
 */
async function phase<T>(name: string, body: () => Promise<T>): Promise<T> {
  let best: { result: T; cores: number } | undefined;
  for (let attempt = 0; attempt < 3 && (best === undefined || best.cores > NOISY_CORES); attempt++) {
    await waitForQuiet(quick ? 3_000 : 60_000);
    process.stderr.write(`bench:api: ${name}${attempt > 0 ? ` (again: other processes used ${best!.cores.toFixed(2)} cores)` : ''} …\n`);
    const meter = startForeignMeter();
    const result = await body();
    const cores = meter.stop();
    if (best === undefined || cores < best.cores) best = { result, cores };
  }
  foreignLoad.push({ phase: name, cores: best!.cores });
  return best!.result;
}

// ---------------------------------------------------------------------------------------------
// The run

let redisServer: RedisServerHandle | undefined;

async function main(): Promise<void> {
  console.log(`# bench:api — ${new Date().toISOString()}${quick ? ' (--quick)' : ''}`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${process.platform}/${process.arch}`);

  redisServer = await startRedisServer({ dir: join(tmp, 'redis'), appendOnly: false });
  const redis = new Redis(redisServer.url);
  const common = { REDIS_URL: redisServer.url, HOST: '127.0.0.1', LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' };
  const serverEnv = {
    ...common,
    RATE_LIMIT_ENABLED: 'false',
    TRAINYARD_API_KEYS: `bench:${API_KEY}`,
    // The submit phase queues tens of thousands of jobs for one tenant.
    TENANT_MAX_QUEUED: '1000000',
    TENANT_MAX_RUNNING: '16',
  };

  const helloPort = await findFreePort();
  const hello = startService(group, 'hello', 'bench/api-hello.ts', { HOST: '127.0.0.1', PORT: String(helloPort) });
  const apiPort = await findFreePort();
  const profileDir = join(tmpdir(), `trainyard-bench-api-profiles-${process.pid}`);
  if (profileApi || profileWorker) mkdirSync(profileDir, { recursive: true });
  const apiService = startService(group, 'api', 'src/api/server.ts', { ...serverEnv, PORT: String(apiPort) }, {
    nodeArgs: profileApi ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
  });
  await waitForLog(hello, /hello listening/);
  await waitForLog(apiService, /api listening/);
  const helloUrl = `http://127.0.0.1:${helloPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  api = new Pool(apiUrl, { connections: 4 });

  const startWorker = async (threads: number, cpu?: string): Promise<BenchService> => {
    const worker = startService(group, `worker-${threads}`, 'workers/main.ts', { ...serverEnv, WORKER_CONCURRENCY: String(threads) }, {
      ...(cpu === undefined ? {} : { cpu }),
      ...(profileWorker ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    await waitForLog(worker, /worker started/);
    return worker;
  };

  const rows: string[][] = [];
  const pct = (x: number): string => `${(x * 100).toFixed(0)} %`;
  const num = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const row = (measurement: string, ours: string, base: string, ratio: string, target: string, met: boolean | null): void => {
    rows.push([measurement, ours, base, ratio, target, met === null ? '—' : met ? 'yes' : '**no**']);
  };
  const unexpected = (l: Load, ok: string): string => {
    const other = Object.entries(l.statuses).filter(([code]) => code !== ok).map(([code, n]) => `${n}×${code}`);
    return other.length > 0 || l.errors > 0 ? ` (also ${[...other, ...(l.errors ? [`${l.errors} errors`] : [])].join(', ')})` : '';
  };

  // 1. POST /v1/jobs against raw queue.add (no worker: the jobs stay queued).
  if (wants('post')) {
    const rawAddRate = await phase('raw queue.add', async () => {
      const adder = startService(group, 'queue-add', 'bench/api-queue-add.ts', {
        ...common, QUEUE_NAME: 'bench-raw-add', CONNECTIONS: String(CONNECTIONS), DURATION_MS: String(LOAD_SECONDS * 1000), WARMUP_MS: String(WARMUP_SECONDS * 1000),
      });
      await new Promise((resolve) => adder.child.once('exit', resolve));
      const rawAdd = JSON.parse(adder.log().trim().split('\n').pop()!) as { adds: number; seconds: number };
      await adder.stop();
      return rawAdd.adds / rawAdd.seconds;
    });
    const post = await phase('POST /v1/jobs', () => load({
      url: `${apiUrl}/v1/jobs`, method: 'POST', connections: CONNECTIONS,
      headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(xorSpec(100, 7)),
    }, '202'));
    await redis.flushall();
    const postRate = post.rps;
    row(`POST /v1/jobs (inline XOR), ${CONNECTIONS} conns: jobs/s (202s)`, num(postRate) + unexpected(post, '202'), '', '', '≥ 2,000/s', postRate >= 2000);
    row(`… against raw BullMQ queue.add, ${CONNECTIONS} in flight`, num(postRate), num(rawAddRate), pct(postRate / rawAddRate), '≥ 50 %', postRate / rawAddRate >= 0.5);
  }

  // 2. Tiny jobs, one at a time.
  let worker: BenchService | undefined;
  let lastTinyJob = '';
  if (wants('tiny') || wants('get')) {
    worker = await startWorker(cpus().length);
    const overheads: number[] = [];
    const engineTimes: number[] = [];
    const walls: number[] = [];
    const count = wants('tiny') ? TINY_WARMUP_JOBS + TINY_JOBS : 1;
    await phase('tiny jobs', async () => {
      for (const list of [overheads, engineTimes, walls]) list.length = 0;
      for (let i = 0; i < count; i++) {
        const start = performance.now();
        const id = await submit(xorSpec(100, i + 1));
        const done = await waitDone(id, 2);
        const engine = await engineMs(id);
        lastTinyJob = id;
        if (i < TINY_WARMUP_JOBS) continue;
        walls.push(done - start);
        engineTimes.push(engine);
        overheads.push(done - start - engine);
      }
    });
    if (wants('tiny')) {
      row(`tiny job (XOR 2-8-1, 100 epochs) submit → completed beyond engine time, p50 of ${TINY_JOBS}`, `${num(quantile(overheads, 0.5), 1)} ms (p95 ${num(quantile(overheads, 0.95), 1)})`,
        `engine p50 ${num(quantile(engineTimes, 0.5), 1)} ms; wall p50 ${num(quantile(walls, 0.5), 1)}`, '', '≤ 25 ms', quantile(overheads, 0.5) <= 25);
    }
  }
  const statusPath = `/v1/jobs/${lastTinyJob}`;

  // 3. Polling a completed job.
  if (wants('get')) {
    const etag = (await api.request({ method: 'GET', path: statusPath, headers: AUTH }).then(async (r) => {
      await r.body.dump();
      return r.headers.etag as string;
    }));
    const helloGet = await phase('hello-world GET /', () => load({ url: `${helloUrl}/`, connections: CONNECTIONS }));
    const apiGet = await phase('GET /v1/jobs/{id}', () => load({ url: `${apiUrl}${statusPath}`, connections: CONNECTIONS, headers: AUTH }));
    const apiGet304 = await phase('GET /v1/jobs/{id} If-None-Match', () => load({ url: `${apiUrl}${statusPath}`, connections: CONNECTIONS, headers: { ...AUTH, 'if-none-match': etag } }, '304'));
    row(`GET /v1/jobs/{id}, ${CONNECTIONS} conns: req/s (hello: GET /)`, num(apiGet.rps) + unexpected(apiGet, '200'), num(helloGet.rps), pct(apiGet.rps / helloGet.rps), '≥ 50 %', apiGet.rps / helloGet.rps >= 0.5);
    row('… its p99 latency', `${num(apiGet.p99)} ms (p50 ${num(apiGet.p50)})`, `${num(helloGet.p99)} ms`, '', '< 20 ms', apiGet.p99 < 20);
    row('GET /v1/jobs/{id} with If-None-Match (304): req/s', num(apiGet304.rps) + unexpected(apiGet304, '304'), num(helloGet.rps), pct(apiGet304.rps / helloGet.rps), '≥ 70 %', apiGet304.rps / helloGet.rps >= 0.7);
    row('… its p99 latency', `${num(apiGet304.p99)} ms`, `${num(helloGet.p99)} ms`, '', '', null);
  }
  await worker?.stop();

  // 4. Training threads: 1 vs 2.
  type Batch = { jobsPerSecond: number; engineSamplesPerSecond: number; cores: Array<[string, number]> };
  const cpuBatch = (label: string, during?: () => Promise<void>): Promise<Batch> => phase(label, async () => {
    // Warm-up: each thread compiles the kernels and JITs the engine on its first job.
    await Promise.all([submit(cpuJobSubmission(1)), submit(cpuJobSubmission(2))].map(async (id) => waitDone(await id, 20)));
    if (during) await during();
    const start = performance.now();
    const ids: string[] = [];
    let end = start;
    const { cores } = await cpuBreakdown(worker!.child.pid!, async () => {
      for (let i = 0; i < CPU_JOBS; i++) ids.push(await submit(cpuJobSubmission(100 + i)));
      end = await allCompleted(ids);
    });
    const seconds = (end - start) / 1000;
    const engine = await Promise.all(ids.map(engineMs));
    const engineSeconds = engine.reduce((a, b) => a + b, 0) / 1000;
    return { jobsPerSecond: CPU_JOBS / seconds, engineSamplesPerSecond: (CPU_JOBS * CPU_SAMPLE_EPOCHS) / engineSeconds, cores };
  });
  const engineAlone = (threads: number): Promise<number> => phase(`engine alone, ${threads} thread(s)`, async () => {
    const child = startService(group, `engine-${threads}`, 'bench/api-engine-threads.ts', { THREADS: String(threads), JOBS: String(Math.ceil(CPU_JOBS / threads)) });
    await new Promise((resolve) => child.child.once('exit', resolve));
    const out = JSON.parse(child.log().trim().split('\n').pop()!) as { jobsPerSecond: number };
    await child.stop();
    return out.jobsPerSecond;
  });
  // Batches learn of completions from BullMQ's event stream (a blocking XREAD): polling the API
  // every few ms would cost this 2-core machine a tenth of a core (loopback syscalls in a VM cost
  // ~0.3 ms each at low rates), which the training threads would lose.
  const queueEvents = new QueueEvents('training', { connection: { url: redisServer.url } as never, prefix: createKeys('ty').bullPrefix });
  await queueEvents.waitUntilReady();
  const completedAt = new Map<string, number>();
  queueEvents.on('completed', ({ jobId }) => completedAt.set(jobId, performance.now()));
  queueEvents.on('failed', ({ jobId, failedReason }) => process.stderr.write(`bench:api: job ${jobId} failed: ${failedReason}\n`));
  const allCompleted = async (ids: string[]): Promise<number> => {
    while (!ids.every((id) => completedAt.has(id))) await sleep(2);
    return Math.max(...ids.map((id) => completedAt.get(id)!));
  };
  const notes: string[] = [];
  const describeCores = (cores: Array<[string, number]>): string => cores.slice(0, 8).map(([k, c]) => `${k} ${c.toFixed(2)}`).join(', ');
  if (wants('threads')) {
    const alone1 = await engineAlone(1);
    const alone2 = await engineAlone(2);
    worker = await startWorker(1);
    const oneThread = await cpuBatch('CPU-bound jobs, 1 thread');
    await worker.stop();
    worker = await startWorker(2);
    const twoThreads = await cpuBatch('CPU-bound jobs, 2 threads');
    await worker.stop();
    row(`CPU-bound jobs (${CPU_JOBS} × 16-64-64-1 MLP, ${CPU_JOB.epochs} epochs of ${CPU_JOB.samples}), 2 threads vs 1: jobs/s`, num(twoThreads.jobsPerSecond, 2), num(oneThread.jobsPerSecond, 2),
      `${(twoThreads.jobsPerSecond / oneThread.jobsPerSecond).toFixed(2)}×`, '≥ 1.8×', twoThreads.jobsPerSecond / oneThread.jobsPerSecond >= 1.8);
    row('… engine samples/s of one thread (each job’s durationMs)', num(twoThreads.engineSamplesPerSecond), num(oneThread.engineSamplesPerSecond),
      pct(twoThreads.engineSamplesPerSecond / oneThread.engineSamplesPerSecond), '', null);
    row('… the engine alone: the same jobs on 2 worker_threads vs 1 in one process (no Redis, queue or HTTP)', num(alone2, 2), num(alone1, 2), `${(alone2 / alone1).toFixed(2)}×`, 'the machine’s ceiling', null);
    notes.push(`Cores used during the 2-thread batch: ${describeCores(twoThreads.cores)}.`);
    notes.push(`Cores used during the 1-thread batch: ${describeCores(oneThread.cores)}.`);
  }

  // 5. Training while 200 connections poll (1 training thread).
  const underPolling = async (pinned: boolean): Promise<{ quiet: Awaited<ReturnType<typeof cpuBatch>>; busy: Awaited<ReturnType<typeof cpuBatch>>; polls: Load }> => {
    const others = [process.pid, apiService.child.pid!, redisServer!.pid()!];
    if (pinned) for (const pid of others) pin(pid, '0');
    worker = await startWorker(1, pinned ? '1' : undefined);
    const where = pinned ? 'pinned' : 'shared cores';
    const quiet = await cpuBatch(`training, quiet (${where})`);
    let poller: ReturnType<typeof runAutocannon> | undefined;
    const busy = await cpuBatch(`training while ${POLL_CONNECTIONS} connections poll (${where})`, async () => {
      poller = runAutocannon({ url: `${apiUrl}${statusPath}`, connections: POLL_CONNECTIONS, headers: AUTH, duration: 3600 });
      await sleep(1000);
    });
    poller!.stop();
    const polls = await poller!.result;
    await worker.stop();
    if (pinned) for (const pid of others) pin(pid, '0-1');
    return { quiet, busy, polls };
  };
  if (wants('polling')) {
    if (!lastTinyJob) throw new Error('--only=polling needs a job to poll: add tiny or get');
    for (const [label, r] of [['all processes share both cores', await underPolling(false)], ['worker pinned to CPU 1, API + Redis + autocannon to CPU 0', await underPolling(true)]] as const) {
      const ratio = r.busy.jobsPerSecond / r.quiet.jobsPerSecond;
      row(`training jobs/s (1 thread) while ${POLL_CONNECTIONS} conns poll (${num(r.polls.rps)} req/s, p99 ${num(r.polls.p99)} ms), ${label}`,
        num(r.busy.jobsPerSecond, 2), num(r.quiet.jobsPerSecond, 2), `${pct(ratio)} (drop ${pct(1 - ratio)})`, 'drop ≤ 25 %', ratio >= 0.75);
      row('… engine samples/s inside the thread', num(r.busy.engineSamplesPerSecond), num(r.quiet.engineSamplesPerSecond), pct(r.busy.engineSamplesPerSecond / r.quiet.engineSamplesPerSecond), '', null);
      notes.push(`Cores used while training under polling (${label}): ${describeCores(r.busy.cores)}.`);
    }
  }

  console.log('');
  console.log('| measurement | trainyard | baseline | ratio | target | met? |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('');
  await queueEvents.close();
  for (const note of notes) console.log(note);
  console.log(`CPU used by other processes during each phase (cores of ${cpus().length}; each phase waited for a quiet second first): ${foreignLoad.map((f) => `${f.phase} ${f.cores.toFixed(2)}`).join('; ')}.`);
  console.log(`Load tests: autocannon, ${LOAD_SECONDS} s each after a ${WARMUP_SECONDS} s warm-up. API: auth on (one key), rate limits off, LOG_LEVEL=${common.LOG_LEVEL}.`);
  console.log('Tiny-job overhead = (submit → first poll seeing `completed`, polled every 2 ms) − result.metrics.durationMs.');
  if (profileApi || profileWorker) console.log(`CPU profiles: ${profileDir} (written when each process exits; tsx bench/api-profile.ts <file>)`);
  await redis.quit();
}

async function cleanup(): Promise<void> {
  await api?.close().catch(() => undefined);
  for (const service of [...services].reverse()) await service.stop();
  await redisServer?.stop();
  rmSync(tmp, { recursive: true, force: true });
}

main().then(cleanup, async (err: unknown) => {
  process.stderr.write(`bench:api failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  for (const service of services) process.stderr.write(`--- ${service.name} log (tail)\n${service.log().slice(-1500)}\n`);
  await cleanup();
  process.exit(1);
});
