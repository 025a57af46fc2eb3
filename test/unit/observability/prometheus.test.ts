import { describe, expect, it } from 'vitest';
import { createApiMetrics } from '../../../src/api/observability/prometheus.js';
import { startWorkerMetricsServer } from '../../../src/observability/worker-metrics.js';
import { parsePrometheusText, sampleValue } from './prom-text.js';

/** A Redis round trip the fake source makes last this long (ms): the reported RTT is at least that. */
const PING_MS = 20;

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

/** Spends about `ms` of CPU time on this thread. */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  let x = 0;
  while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1000 < ms) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

const sources = {
  getQueueCounts: async () => ({ waiting: 3, active: 2, delayed: 0, completed: 7, failed: 1, prioritized: 0 }),
  getRunningJobs: async () => [
    { epochsPerSecond: 10, samplesPerSecond: 1000 },
    { epochsPerSecond: 2.5, samplesPerSecond: null },
  ],
  getFinishedCounts: async () => ({ completed: 7, failed: 1 }),
  pingRedis: () => delay(PING_MS),
};

describe('createApiMetrics', () => {
  it('exposes queue depth, finished jobs, throughput and Redis round trip as Prometheus text', async () => {
    const metrics = createApiMetrics(sources);
    burnCpu(50);

    const parsed = parsePrometheusText(await metrics.registry.metrics());

    expect(sampleValue(parsed, 'trainyard_queue_jobs', { state: 'waiting' })).toBe(3);
    expect(sampleValue(parsed, 'trainyard_queue_jobs', { state: 'active' })).toBe(2);
    expect(sampleValue(parsed, 'trainyard_jobs_finished_total', { status: 'completed' })).toBe(7);
    expect(sampleValue(parsed, 'trainyard_jobs_finished_total', { status: 'cancelled' })).toBe(0);
    expect(parsed.types.get('trainyard_jobs_finished_total')).toBe('counter');
    expect(sampleValue(parsed, 'trainyard_training_threads_busy')).toBe(2);
    expect(sampleValue(parsed, 'trainyard_training_epochs_per_second')).toBe(12.5);
    expect(sampleValue(parsed, 'trainyard_training_samples_per_second')).toBe(1000);
    expect(sampleValue(parsed, 'trainyard_redis_up')).toBe(1);
    // The round trip is measured around the ping: at least its known duration.
    expect(sampleValue(parsed, 'trainyard_redis_rtt_seconds')).toBeGreaterThanOrEqual((PING_MS - 2) / 1000);
    // Default process metrics count this process's CPU from the registry's creation: the 50 ms
    // spent above are in it.
    expect(sampleValue(parsed, 'process_cpu_user_seconds_total')! + (sampleValue(parsed, 'process_cpu_system_seconds_total') ?? 0)).toBeGreaterThanOrEqual(0.04);
    expect(parsed.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });

  it('counts requests by method, route and status in a histogram', async () => {
    const metrics = createApiMetrics(sources);

    metrics.observeRequest({ method: 'GET', route: '/v1/jobs/:id', statusCode: 200 }, 0.003);
    metrics.observeRequest({ method: 'GET', route: '/v1/jobs/:id', statusCode: 200 }, 0.2);
    const parsed = parsePrometheusText(await metrics.registry.metrics());

    const labels = { method: 'GET', route: '/v1/jobs/:id', status_code: '200' };
    expect(sampleValue(parsed, 'trainyard_http_request_duration_seconds_count', labels)).toBe(2);
    expect(sampleValue(parsed, 'trainyard_http_request_duration_seconds_bucket', { ...labels, le: '0.005' })).toBe(1);
    expect(parsed.types.get('trainyard_http_request_duration_seconds')).toBe('histogram');
  });

  it('still answers when Redis is down, with trainyard_redis_up 0', async () => {
    const down = async (): Promise<never> => {
      throw new Error('Connection is closed.');
    };
    const metrics = createApiMetrics({ getQueueCounts: down, getRunningJobs: down, getFinishedCounts: down, pingRedis: down });

    const parsed = parsePrometheusText(await metrics.registry.metrics());

    expect(sampleValue(parsed, 'trainyard_redis_up')).toBe(0);
    expect(sampleValue(parsed, 'trainyard_queue_jobs', { state: 'waiting' })).toBeUndefined();
  });
});

describe('startWorkerMetricsServer', () => {
  it('serves the worker’s threads, jobs and epochs at GET /metrics on its own port', async () => {
    let busy = 1;
    const server = await startWorkerMetricsServer({ port: 0, concurrency: 4, busyThreads: () => busy, pingRedis: async () => {
      await delay(PING_MS);
      return 'PONG';
    } });
    try {
      server.recordJob('completed');
      server.recordEpochs(30, 120);
      busy = 3;

      const response = await fetch(server.url);
      const parsed = parsePrometheusText(await response.text());
      const missing = await fetch(server.url.replace('/metrics', '/other'));

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect(sampleValue(parsed, 'trainyard_worker_training_threads')).toBe(4);
      expect(sampleValue(parsed, 'trainyard_worker_training_threads_busy')).toBe(3);
      expect(sampleValue(parsed, 'trainyard_worker_jobs_total', { outcome: 'completed' })).toBe(1);
      expect(sampleValue(parsed, 'trainyard_worker_epochs_total')).toBe(30);
      expect(sampleValue(parsed, 'trainyard_worker_samples_total')).toBe(120);
      expect(sampleValue(parsed, 'trainyard_worker_redis_rtt_seconds')).toBeGreaterThanOrEqual((PING_MS - 2) / 1000);
      expect(missing.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
