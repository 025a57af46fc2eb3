import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

describe('POST /v1/jobs/{id}/pause and /resume', () => {
  let t: TestApp | undefined;
  let queue: Queue | undefined;

  afterEach(async () => {
    await queue?.close();
    await t?.close();
    queue = undefined;
    t = undefined;
  });

  async function submit(app: TestApp, headers: Record<string, string> = {}): Promise<string> {
    const response = await app.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      headers,
      payload: {
        model: { inputSize: 2, layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
        training: { epochs: 10, batchSize: 4, seed: 1 },
        data: { builtin: 'xor' },
      },
    });
    expect(response.statusCode).toBe(202);
    return response.json().id as string;
  }

  async function bullState(app: TestApp, jobId: string): Promise<string> {
    queue ??= new Queue(app.config.QUEUE_NAME, { connection: app.redis.duplicate(), prefix: `{${app.config.KEY_PREFIX}}` });
    const job = await queue.getJob(jobId);
    return job ? job.getState() : 'none';
  }

  it('pauses a queued job at once (200, off the queue) and queues it again on resume (202)', async () => {
    t = await buildTestApp();
    const id = await submit(t);

    const paused = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/pause` });
    const stateWhilePaused = await bullState(t, id);
    const resumed = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/resume` });

    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ id, status: 'paused' });
    expect(stateWhilePaused).toBe('none');
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json()).toMatchObject({ id, status: 'queued' });
    expect(await bullState(t, id)).toBe('waiting');
  });

  it('answers 409 conflict to a pause of a paused job and a resume of a queued one, 404 to an unknown id', async () => {
    t = await buildTestApp();
    const id = await submit(t);

    const resumeQueued = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/resume` });
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/pause` });
    const pauseTwice = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/pause` });
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/jobs/00000000-0000-4000-8000-000000000000/pause' });

    expect(resumeQueued.statusCode).toBe(409);
    expect(resumeQueued.json()).toMatchObject({ code: 'conflict' });
    expect(pauseTwice.statusCode).toBe(409);
    expect(pauseTwice.headers['content-type']).toContain('application/problem+json');
    expect(unknown.statusCode).toBe(404);
  });

  it('answers 429 quota_exceeded to a resume at the tenant\'s queued cap (auth on) and leaves the job paused', async () => {
    const key = 'k'.repeat(32);
    const auth = { authorization: `Bearer ${key}` };
    t = await buildTestApp({ TRAINYARD_API_KEYS: `a:${key}`, TENANT_MAX_QUEUED: '1' });
    const app = t;
    const post = (url: string) => app.app.inject({ method: 'POST', url, headers: auth });
    const first = await submit(app, auth);
    await post(`/v1/jobs/${first}/pause`);
    const second = await submit(app, auth);

    const refused = await post(`/v1/jobs/${first}/resume`);
    const whileRefused = (await app.app.inject({ method: 'GET', url: `/v1/jobs/${first}`, headers: auth })).json();
    const stateWhileRefused = await bullState(app, first);
    await post(`/v1/jobs/${second}/cancel`);
    const resumed = await post(`/v1/jobs/${first}/resume`);

    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'quota_exceeded' });
    expect(whileRefused.status).toBe('paused');
    expect(stateWhileRefused).toBe('none');
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json()).toMatchObject({ id: first, status: 'queued' });
    expect(await bullState(app, first)).toBe('waiting');
  });

  it('cancels a paused job at once', async () => {
    t = await buildTestApp();
    const id = await submit(t);
    await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/pause` });

    const cancelled = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/cancel` });
    const resume = await t.app.inject({ method: 'POST', url: `/v1/jobs/${id}/resume` });

    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(resume.statusCode).toBe(409);
  });
});
