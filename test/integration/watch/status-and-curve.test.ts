import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeys } from '../../../src/store/keys.js';
import { createMetricsStore } from '../../../src/store/metrics-store.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

describe('live status and downsampled curves (through buildApp)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await buildTestApp({ STALLED_HEARTBEAT_MS: '5000' });
  });

  afterEach(async () => {
    await t.close();
  });

  async function submit(): Promise<string> {
    const response = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() });
    expect(response.statusCode).toBe(202);
    return response.json().id;
  }

  /** Plays a worker that reported epoch 100 of 500 at 50 epochs/s, `ageMs` ago. */
  async function runningSince(id: string, ageMs: number): Promise<void> {
    await t.redis.hset(createKeys(t.config.KEY_PREFIX).jobRecord(id), {
      status: 'running',
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      epoch: 100,
      loss: 0.2,
      epochsPerSecond: 50,
      samplesPerSecond: 200,
      lastHeartbeatAt: new Date(Date.now() - ageMs).toISOString(),
    });
  }

  it('gives a running job its samples per second, its ETA and its last heartbeat', async () => {
    const id = await submit();
    await runningSince(id, 100);

    const status = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();

    expect(status.progress).toEqual({ epoch: 100, epochs: 500, fraction: 0.2, samplesPerSecond: 200, etaSeconds: 8 });
    expect(Date.parse(status.lastHeartbeatAt)).toBeGreaterThan(Date.now() - 5_000);
    expect(status.stalled).toBe(false);
  });

  it('marks a running job stalled when its heartbeat is older than STALLED_HEARTBEAT_MS', async () => {
    const id = await submit();
    await runningSince(id, 6_000);

    const status = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    const list = (await t.app.inject({ method: 'GET', url: '/v1/jobs' })).json();

    expect(status.stalled).toBe(true);
    expect(list.items[0].stalled).toBe(true);
  });

  it('downsamples GET /metrics to ?maxPoints, keeping spikes and the cursor', async () => {
    const id = await submit();
    const points = Array.from({ length: 900 }, (_, index) => ({ epoch: index + 1, loss: index === 433 ? 3 : 1 / (index + 1), elapsedMs: index }));
    await createMetricsStore({ redis: t.redis, config: t.config }).appendPoints(id, points);

    const full = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics` })).json();
    const small = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}/metrics?maxPoints=50` })).json();

    expect(full.points).toHaveLength(900);
    expect(small.points.length).toBeLessThanOrEqual(50);
    expect(small.points.some((point: { loss: number }) => point.loss === 3)).toBe(true);
    expect(small.points[0].epoch).toBe(1);
    expect(small.next).toBe(900);
  });
});
