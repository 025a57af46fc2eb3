/**
 * Prometheus metrics of the API process, built with prom-client on a registry of their own (never
 * the global one: tests build many apps in one process, and two registries never clash).
 *
 * Design: the API holds no training state, so every training number is read from Redis at scrape
 * time (queue depth from BullMQ's counts, throughput from the records of running jobs, finished
 * jobs from the counters the job store keeps). Any API replica therefore reports the same numbers,
 * and nothing has to be pushed from workers. Per-process numbers of a worker (its event loop, its
 * threads) come from its own `/metrics` ({@link startWorkerMetricsServer}).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Throughput of one running job, as its record says. */
export interface RunningJobThroughput {
  epochsPerSecond: number | null;
  samplesPerSecond: number | null;
}

/** Where the scrape-time numbers come from; each is called once per scrape. */
export interface ApiMetricsSources {
  /** BullMQ job counts by state (`waiting`, `active`, `delayed`, …). */
  getQueueCounts(): Promise<Record<string, number>>;
  /** The jobs running right now (one training thread each). */
  getRunningJobs(): Promise<RunningJobThroughput[]>;
  /** Jobs that reached each final status since the counters began. */
  getFinishedCounts(): Promise<Record<string, number>>;
  /** One Redis round trip (e.g. `PING`); resolves when it is answered. */
  pingRedis(): Promise<void>;
}

/** The API's metrics. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** Records one answered HTTP request. */
  observeRequest(labels: { method: string; route: string; statusCode: number }, seconds: number): void;
}

/** Histogram buckets of request durations (s): from a cached status read to a slow upload. */
export const HTTP_DURATION_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const FINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

function finite(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

// prom-client collects every metric of a scrape concurrently: a source read by several metrics
// is read once per scrape through this memo.
function perScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => setTimeout(() => { pending = null; }, 0));
    return pending;
  };
}

/** Runs a metric's read; a failed source leaves the metric out of this scrape. */
async function guard(metric: { reset(): void }, read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch {
    metric.reset();
  }
}

/**
 * A metric with one series per label value, mirroring a record of counts read at scrape time:
 * reset, then each value's count added (a counter only goes up, so this is how it mirrors a total
 * kept in Redis; for a gauge it is the same as setting each series).
 */
function registerCountsMetric(
  registry: Registry,
  Metric: typeof Gauge | typeof Counter,
  metric: { name: string; help: string; label: string; values: readonly string[]; read: () => Promise<Record<string, number>> },
): void {
  const { name, help, label, values, read } = metric;
  new Metric({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      await guard(this, async () => {
        const counts = await read();
        this.reset();
        for (const value of values) this.inc({ [label]: value }, counts[value] ?? 0);
      });
    },
  });
}

/** Queue depth by state and jobs by final status. */
function registerQueueMetrics(registry: Registry, sources: ApiMetricsSources): void {
  registerCountsMetric(registry, Gauge, {
    name: 'trainyard_queue_jobs',
    help: 'BullMQ training jobs by state',
    label: 'state',
    values: QUEUE_STATES,
    read: () => sources.getQueueCounts(),
  });
  registerCountsMetric(registry, Counter, {
    name: 'trainyard_jobs_finished_total',
    help: 'Jobs that reached a final status (completed, failed, cancelled), counted in Redis',
    label: 'status',
    values: FINAL_STATUSES,
    read: () => sources.getFinishedCounts(),
  });
}

/** Running jobs, busy threads, epochs/s and samples/s, from the running jobs' records. */
function registerThroughputMetrics(registry: Registry, sources: ApiMetricsSources): void {
  const readRunning = perScrape(() => sources.getRunningJobs());
  const runningGauge = (name: string, help: string, value: (jobs: RunningJobThroughput[]) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        await guard(this, async () => this.set(value(await readRunning())));
      },
    });
  };
  runningGauge('trainyard_running_jobs', 'Jobs being trained right now', (jobs) => jobs.length);
  runningGauge('trainyard_training_threads_busy', 'Training threads busy across all workers (one per running job)', (jobs) => jobs.length);
  runningGauge('trainyard_training_epochs_per_second', 'Epochs per second, summed over running jobs', (jobs) =>
    jobs.reduce((sum, job) => sum + finite(job.epochsPerSecond), 0));
  runningGauge('trainyard_training_samples_per_second', 'Training samples per second, summed over running jobs', (jobs) =>
    jobs.reduce((sum, job) => sum + finite(job.samplesPerSecond), 0));
}

/** Redis round-trip time and reachability, one PING per scrape. */
function registerRedisMetrics(registry: Registry, sources: ApiMetricsSources): void {
  // The round trip in seconds, or null when Redis did not answer.
  const ping = perScrape(async (): Promise<number | null> => {
    const started = process.hrtime.bigint();
    try {
      await sources.pingRedis();
      return Number(process.hrtime.bigint() - started) / 1e9;
    } catch {
      return null;
    }
  });
  new Gauge({
    name: 'trainyard_redis_rtt_seconds',
    help: 'Round-trip time of a Redis PING from the API, measured at scrape time',
    registers: [registry],
    async collect() {
      const seconds = await ping();
      if (seconds === null) this.reset();
      else this.set(seconds);
    },
  });
  new Gauge({
    name: 'trainyard_redis_up',
    help: '1 when the API reached Redis during this scrape, else 0',
    registers: [registry],
    async collect() {
      this.set((await ping()) === null ? 0 : 1);
    },
  });
}

/**
 * Creates the API registry: HTTP request histogram, queue depth by state, jobs by final status,
 * epochs/s and samples/s of running jobs, busy training threads, Redis round-trip time, and the
 * default Node.js process metrics. A source that fails (Redis down) leaves its metrics out of
 * that scrape and sets `trainyard_redis_up` to 0; a scrape never fails because of it.
 */
export function createApiMetrics(sources: ApiMetricsSources): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const http = new Histogram({
    name: 'trainyard_http_request_duration_seconds',
    help: 'HTTP requests answered by the API, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  registerQueueMetrics(registry, sources);
  registerThroughputMetrics(registry, sources);
  registerRedisMetrics(registry, sources);

  return {
    registry,
    observeRequest({ method, route, statusCode }, seconds) {
      http.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
  };
}
