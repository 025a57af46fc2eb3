import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../unit/observability/prom-text.js';
import { createWatchHarness, type WatchHarness } from './harness.js';

describe('GET /metrics', () => {
  let h: WatchHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function scrape(harness: WatchHarness) {
    const response = await harness.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return parsePrometheusText(response.body);
  }

  it('counts HTTP requests by route pattern and status', async () => {
    h = await createWatchHarness();

    await h.app.inject({ method: 'GET', url: '/dashboard' });
    await h.app.inject({ method: 'GET', url: '/v1/jobs/8d7f5a8e-0000-4000-8000-000000000000/loss.svg' });
    await h.app.inject({ method: 'GET', url: '/no/such/route' });
    const parsed = await scrape(h);

    const count = (route: string, status: string) =>
      sampleValue(parsed, 'trainyard_http_request_duration_seconds_count', { method: 'GET', route, status_code: status });
    expect(count('/dashboard', '200')).toBe(1);
    expect(count('/v1/jobs/:id/loss.svg', '404')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
  });

  it('shows queue depth, training throughput and finished jobs moving while a real worker trains', async () => {
    h = await createWatchHarness();
    const queued = await h.submit({ training: { epochs: 400 } });

    const before = await scrape(h);
    await h.startWorker();
    const running = await h.submit({ training: { epochs: 5000 }, testHooks: { epochDelayMs: 2 } });
    await h.waitForStatus(running, ['running']);
    await expect.poll(async () => (await h!.jobs.getJob(running))!.epochsPerSecond ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);
    const during = await scrape(h);
    await h.waitForStatus(queued, ['completed']);
    await h.queue.cancelTrainingJob(running);
    await h.waitForStatus(running, ['cancelled']);
    // The finished-jobs counter is written right after the status: wait for it, not for a time.
    await expect.poll(async () => sampleValue(await scrape(h!), 'trainyard_jobs_finished_total', { status: 'cancelled' }), { timeout: 10_000 }).toBe(1);
    const after = await scrape(h);

    expect(sampleValue(before, 'trainyard_queue_jobs', { state: 'waiting' })).toBe(1);
    expect(sampleValue(before, 'trainyard_jobs_finished_total', { status: 'completed' })).toBe(0);
    expect(sampleValue(during, 'trainyard_training_threads_busy')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(during, 'trainyard_training_epochs_per_second')).toBeGreaterThan(0);
    expect(sampleValue(during, 'trainyard_training_samples_per_second')).toBeGreaterThan(0);
    expect(sampleValue(after, 'trainyard_jobs_finished_total', { status: 'completed' })).toBe(1);
    expect(sampleValue(after, 'trainyard_jobs_finished_total', { status: 'cancelled' })).toBe(1);
    expect(sampleValue(after, 'trainyard_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sampleValue(after, 'trainyard_redis_up')).toBe(1);
    expect(sampleValue(after, 'trainyard_redis_rtt_seconds')).toBeGreaterThan(0);
  });
});
