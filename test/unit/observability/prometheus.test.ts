import { describe, expect, it } from 'vitest';
import { createApiMetrics } from '../../../src/api/observability/prometheus.js';
import { startWorkerMetricsServer } from '../../../src/observability/worker-metrics.js';
import { parsePrometheusText, sampleValue } from './prom-text.js';

const sources = {
  getQueueCounts: async () => ({ waiting: 3, active: 2, delayed: 0, completed: 7, failed: 1, prioritized: 0 }),
  getRunningJobs: async () => [
    { epochsPerSecond: 10, samplesPerSecond: 1000 },
    { epochsPerSecond: 2.5, samplesPerSecond: null },
  ],
  getFinishedCounts: async () => ({ completed: 7, failed: 1 }),
  pingRedis: async () => undefined,
};

describe('createApiMetrics', () => {
  it('exposes queue depth, finished jobs, throughput and Redis round trip as Prometheus text', async () => {
    const metrics = createApiMetrics(sources);

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
    expect(sampleValue(parsed, 'trainyard_redis_rtt_seconds')).toBeGreaterThanOrEqual(0);
    // Default process metrics are there (prom-client counts CPU from the registry's creation,
    // which may still read 0 at tick resolution).
    expect(sampleValue(parsed, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
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
    const server = await startWorkerMetricsServer({ port: 0, concurrency: 4, busyThreads: () => busy, pingRedis: async () => 'PONG' });
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
      expect(sampleValue(parsed, 'trainyard_worker_redis_rtt_seconds')).toBeGreaterThanOrEqual(0);
      expect(missing.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
