import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { startWorker, type WorkerHandle } from '../../../workers/main.js';
import { startWebhookDelivery, type WebhookDeliveryHandle } from '../../../workers/webhook-delivery.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';
import { startReceiver, type Receiver } from './webhook-harness.js';

const QUICK = { WEBHOOK_BACKOFF_MS: '50', WEBHOOK_TIMEOUT_MS: '10000' };
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(env: Record<string, string>): Promise<{ testApp: TestApp; receiver: Receiver }> {
  const receiver = await startReceiver();
  cleanups.push(() => receiver.close());
  const testApp = await buildTestApp({ ...QUICK, ...env });
  cleanups.push(() => testApp.close());
  return { testApp, receiver };
}

describe('webhooks of a job, end to end', () => {
  it('sends job.started, job.progress and job.completed of a trained job, in order, signed with the tenant secret', async () => {
    const { testApp, receiver } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'true', WORKER_CONCURRENCY: '1', METRICS_FLUSH_INTERVAL_MS: '20' });
    const worker: WorkerHandle = await startWorker({ config: testApp.config, log: createLogger(testApp.config) });
    cleanups.push(() => worker.close());
    const { secret } = (await testApp.app.inject({ method: 'GET', url: '/v1/webhook-secret' })).json() as { secret: string };

    const submitted = await testApp.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: xorSubmission({ training: { epochs: 3000, batchSize: 4, seed: 1 }, webhook: { url: receiver.url, events: ['started', 'progress', 'completed'] } }),
    });
    const jobId = (submitted.json() as { id: string }).id;
    await receiver.waitFor(() => receiver.delivered().some((r) => r.type === 'job.completed'), 60_000);

    expect(submitted.statusCode).toBe(202);
    const types = receiver.delivered().map((r) => r.type);
    expect(types[0]).toBe('job.started');
    expect(types.at(-1)).toBe('job.completed');
    expect(types.slice(1, -1).every((t) => t === 'job.progress')).toBe(true);
    const last = receiver.delivered().at(-1)!;
    const payload = new Webhook(secret).verify(last.body, last.headers as Record<string, string>) as { data: { id: string; status: string; progress: { epoch: number } } };
    expect(payload.data).toMatchObject({ id: jobId, status: 'completed', progress: { epoch: 3000 } });
    // The receiver answers before the worker logs the attempt: poll until the log has the last one.
    type Items = Array<{ type: string; status: string; attempt: number; responseStatus: number }>;
    let listed = await testApp.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/webhook-deliveries` });
    for (let i = 0; i < 300 && !(listed.json() as { items: Items }).items.some((item) => item.type === 'job.completed'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = await testApp.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/webhook-deliveries` });
    }
    expect(listed.statusCode).toBe(200);
    const items = (listed.json() as { items: Items }).items;
    expect(items.map((i) => i.type)).toEqual(types);
    expect(items.every((i) => i.status === 'delivered' && i.attempt === 1 && i.responseStatus === 204)).toBe(true);
  });

  it('sends job.cancelled when a queued job is cancelled through the API', async () => {
    const { testApp, receiver } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    // Deliveries only: no training worker, so the job stays queued until cancelled.
    const delivery: WebhookDeliveryHandle = await startWebhookDelivery({ config: testApp.config, log: createLogger(testApp.config) });
    cleanups.push(() => delivery.close());
    const submitted = await testApp.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ webhook: { url: receiver.url } }) });
    const jobId = (submitted.json() as { id: string }).id;

    const cancelled = await testApp.app.inject({ method: 'POST', url: `/v1/jobs/${jobId}/cancel` });
    await receiver.waitFor(() => receiver.delivered().length === 1);

    expect(cancelled.statusCode).toBe(200);
    const payload = JSON.parse(receiver.delivered()[0].body) as { type: string; data: { id: string; status: string } };
    expect(payload).toMatchObject({ type: 'job.cancelled', data: { id: jobId, status: 'cancelled' } });
  });
});

describe('POST /v1/jobs with a webhook (WEBHOOK_ALLOW_PRIVATE=false)', () => {
  it.each([
    ['loopback', 'https://127.0.0.1:8443/hooks'],
    ['loopback IPv6', 'https://[::1]/hooks'],
    ['loopback by name', 'https://localhost/hooks'],
    ['private 10/8', 'https://10.0.0.1/hooks'],
    ['private 172.16/12', 'https://172.16.5.4/hooks'],
    ['private 192.168/16', 'https://192.168.0.10/hooks'],
    ['private fc00::/7', 'https://[fd00::1]/hooks'],
    ['link-local', 'https://169.254.3.4/hooks'],
    ['link-local IPv6', 'https://[fe80::1]/hooks'],
    ['CGNAT', 'https://100.64.0.1/hooks'],
    ['multicast', 'https://224.0.0.1/hooks'],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hooks'],
    ['plain http', 'http://hooks.example.com/hooks'],
  ])('answers 400 validation_failed for a %s URL', async (_kind, url) => {
    const { testApp } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'false' });

    const response = await testApp.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ webhook: { url } }) });

    expect(response.statusCode).toBe(400);
    const problem = response.json() as { code: string; errors: Array<{ path: string; message: string }> };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ path: '/webhook/url' })]);
  });

  it('accepts an https URL with a host name (checked again at each delivery) and an unknown event is a schema 400', async () => {
    const { testApp } = await setUp({ WEBHOOK_ALLOW_PRIVATE: 'false' });

    const accepted = await testApp.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ webhook: { url: 'https://hooks.example.com/t' } }) });
    const unknown = await testApp.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission({ webhook: { url: 'https://hooks.example.com/t', events: ['finished'] } }) });

    expect(accepted.statusCode).toBe(202);
    expect(unknown.statusCode).toBe(400);
  });
});

describe('GET /v1/webhook-secret and POST /v1/webhook-secret/rotate', () => {
  it('keeps one secret per tenant and rotates it with the old one kept for 24 h', async () => {
    const { testApp } = await setUp({ TRAINYARD_API_KEYS: 'teamA:key-aaaaaaaa,teamB:key-bbbbbbbb' });
    const as = (tenant: 'a' | 'b') => ({ authorization: `Bearer key-${tenant.repeat(8)}` });

    const a1 = (await testApp.app.inject({ method: 'GET', url: '/v1/webhook-secret', headers: as('a') })).json() as { secret: string };
    const a2 = (await testApp.app.inject({ method: 'GET', url: '/v1/webhook-secret', headers: as('a') })).json() as { secret: string };
    const b1 = (await testApp.app.inject({ method: 'GET', url: '/v1/webhook-secret', headers: as('b') })).json() as { secret: string };
    const rotated = await testApp.app.inject({ method: 'POST', url: '/v1/webhook-secret/rotate', headers: as('a') });
    const after = (await testApp.app.inject({ method: 'GET', url: '/v1/webhook-secret', headers: as('a') })).json() as { secret: string };

    expect(a1.secret).toMatch(/^whsec_/);
    expect(a2.secret).toBe(a1.secret);
    expect(b1.secret).not.toBe(a1.secret);
    expect(rotated.statusCode).toBe(200);
    const body = rotated.json() as { secret: string; previousSecret: string; previousExpiresAt: string };
    expect(body.previousSecret).toBe(a1.secret);
    expect(body.secret).not.toBe(a1.secret);
    expect(Date.parse(body.previousExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect(after.secret).toBe(body.secret);
  });

  it('answers 404 for the deliveries of another tenant’s job', async () => {
    const { testApp } = await setUp({ TRAINYARD_API_KEYS: 'teamA:key-aaaaaaaa,teamB:key-bbbbbbbb' });
    const submitted = await testApp.app.inject({ method: 'POST', url: '/v1/jobs', headers: { authorization: 'Bearer key-aaaaaaaa' }, payload: xorSubmission() });
    const jobId = (submitted.json() as { id: string }).id;

    const own = await testApp.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/webhook-deliveries`, headers: { authorization: 'Bearer key-aaaaaaaa' } });
    const other = await testApp.app.inject({ method: 'GET', url: `/v1/jobs/${jobId}/webhook-deliveries`, headers: { authorization: 'Bearer key-bbbbbbbb' } });

    expect(own.json()).toEqual({ items: [] });
    expect(other.statusCode).toBe(404);
  });
});
