/**
 * The `/metrics` endpoint of a worker process (`npm run worker` with `METRICS_PORT`).
 *
 * Design: the training numbers every operator needs (queue depth, throughput, finished jobs) are
 * already on the API's `/metrics`, read from Redis, so one scrape target suffices. A worker's
 * own endpoint adds what only the process knows: its event-loop lag (training runs in threads,
 * so it stays near zero), memory, busy and idle training threads, and the jobs and epochs it
 * processed. It is a bare `node:http` server, so a worker carries no web framework, and it
 * imports nothing of the API (only prom-client and Node built-ins), so both `workers/` and `api/`
 * may use it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** Options of {@link startWorkerMetricsServer}. */
export interface WorkerMetricsOptions {
  /** Port to listen on (`METRICS_PORT`); 0 picks a free one (tests). */
  port: number;
  /** Address to listen on. @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Training threads of this worker (`WORKER_CONCURRENCY`). */
  concurrency: number;
  /** Training threads busy right now (read at scrape time). */
  busyThreads: () => number;
  /** One Redis round trip from the worker (e.g. `() => redis.ping()`), measured at scrape time. */
  pingRedis?: () => Promise<unknown>;
}

/** A running worker metrics endpoint. */
export interface WorkerMetricsServer {
  readonly registry: Registry;
  /** The port it listens on. */
  readonly port: number;
  /** `http://host:port/metrics`. */
  readonly url: string;
  /** Counts a job this worker finished with `outcome` (`completed`, `failed`, `cancelled`, `retried`). */
  recordJob(outcome: string): void;
  /** Counts epochs trained by this worker and the samples they went through. */
  recordEpochs(epochs: number, samples: number): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Creates the registry of a worker process's metrics, without serving it (see
 * {@link startWorkerMetricsServer}).
 */
export function createWorkerRegistry(options: Omit<WorkerMetricsOptions, 'port' | 'host'>): {
  registry: Registry;
  recordJob(outcome: string): void;
  recordEpochs(epochs: number, samples: number): void;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'trainyard_worker_training_threads',
    help: 'Training threads of this worker process (WORKER_CONCURRENCY)',
    registers: [registry],
    collect() {
      this.set(options.concurrency);
    },
  });
  new Gauge({
    name: 'trainyard_worker_training_threads_busy',
    help: 'Training threads of this worker process busy with a job',
    registers: [registry],
    collect() {
      this.set(options.busyThreads());
    },
  });
  const jobs = new Counter({
    name: 'trainyard_worker_jobs_total',
    help: 'Jobs this worker process finished, by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const epochs = new Counter({ name: 'trainyard_worker_epochs_total', help: 'Epochs trained by this worker process', registers: [registry] });
  const samples = new Counter({ name: 'trainyard_worker_samples_total', help: 'Training samples processed by this worker process', registers: [registry] });
  if (options.pingRedis) {
    const ping = options.pingRedis;
    new Gauge({
      name: 'trainyard_worker_redis_rtt_seconds',
      help: 'Round-trip time of a Redis PING from this worker, measured at scrape time',
      registers: [registry],
      async collect() {
        const started = process.hrtime.bigint();
        try {
          await ping();
          this.set(Number(process.hrtime.bigint() - started) / 1e9);
        } catch {
          this.reset();
        }
      },
    });
  }
  return {
    registry,
    recordJob: (outcome) => jobs.inc({ outcome }),
    recordEpochs: (epochCount, sampleCount) => {
      if (epochCount > 0) epochs.inc(epochCount);
      if (sampleCount > 0) samples.inc(sampleCount);
    },
  };
}

/**
 * Serves a worker's metrics at `GET /metrics` on its own port. Call it from the worker's entry
 * point when `METRICS_PORT` is not 0, and `close()` it on shutdown.
 * @throws when the port cannot be bound (e.g. `EADDRINUSE`).
 */
export async function startWorkerMetricsServer(options: WorkerMetricsOptions): Promise<WorkerMetricsServer> {
  const { registry, recordJob, recordEpochs } = createWorkerRegistry(options);
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  // Scrapers keep connections open; never let one hold up a shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    registry,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    recordJob,
    recordEpochs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
