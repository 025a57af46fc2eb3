import { Webhook } from 'standardwebhooks';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { createDeliveryLog, type DeliveryAttempt } from '../../../src/webhooks/delivery-log.js';
import { MAX_RESPONSE_BYTES } from '../../../src/webhooks/post-webhook.js';
import type { ResolveAll } from '../../../src/webhooks/webhook-address.js';
import { createWebhookSecrets, SECRET_OVERLAP_MS } from '../../../src/webhooks/webhook-secrets.js';
import { startWebhookDelivery, type WebhookDeliveryHandle } from '../../../workers/webhook-delivery.js';
import { createJobWithWebhook, openStore, startReceiver, webhookTestConfig, type Receiver } from './webhook-harness.js';

let config: Config;
let store: ReturnType<typeof openStore>;
let receiver: Receiver;
let delivery: WebhookDeliveryHandle | undefined;

async function start(env: Record<string, string> = {}, resolveAll?: ResolveAll, registry?: Registry): Promise<WebhookDeliveryHandle> {
  config = webhookTestConfig(env);
  store = openStore(config);
  delivery = await startWebhookDelivery({ config, log: createLogger(config), ...(resolveAll ? { resolveAll } : {}), ...(registry ? { registry } : {}) });
  return delivery;
}

async function attemptsOf(jobId: string, until: (items: DeliveryAttempt[]) => boolean): Promise<DeliveryAttempt[]> {
  const log = createDeliveryLog({ redis: store.redis, config });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const items = await log.list(jobId);
    if (until(items)) return items;
    if (Date.now() > deadline) throw new Error(`delivery log: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeEach(async () => {
  receiver = await startReceiver();
});

afterEach(async () => {
  await delivery?.close();
  delivery = undefined;
  await receiver.close();
  await store?.cleanup();
});

describe('webhook delivery', () => {
  it('POSTs { type, timestamp, data } signed so that the standardwebhooks library verifies it', async () => {
    const { events } = await start();
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);
    const { current } = await createWebhookSecrets({ redis: store.redis, config }).getSecrets('default');

    await events.emitJobEvent(jobId, 'completed');
    await receiver.waitFor((requests) => requests.length === 1);

    const [request] = receiver.requests;
    const payload = new Webhook(current).verify(request.body, request.headers as Record<string, string>) as { type: string; timestamp: string; data: { id: string; status: string } };
    expect(payload.type).toBe('job.completed');
    expect(Date.parse(payload.timestamp)).not.toBeNaN();
    expect(payload.data.id).toBe(jobId);
    expect(payload.data.status).toBe('queued');
    expect(request.headers['webhook-id']).toMatch(/^msg_/);
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('sends only the events the webhook asked for (default: all but progress)', async () => {
    const { events } = await start();
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'progress');
    await events.emitJobEvent(jobId, 'started');
    await receiver.waitFor((requests) => requests.length === 1);

    expect(receiver.requests.map((r) => r.type)).toEqual(['job.started']);
  });

  it('retries a receiver that fails twice, then succeeds, with the same webhook-id', async () => {
    const { events } = await start();
    let calls = 0;
    receiver.respond = () => (++calls <= 2 ? 500 : 200);
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    const attempts = await attemptsOf(jobId, (items) => items.some((i) => i.status === 'delivered'));

    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus])).toEqual([[1, 'failed', 500], [2, 'failed', 500], [3, 'delivered', 200]]);
    expect(attempts[0].error).toBe('HTTP 500');
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([receiver.requests[0].headers['webhook-id']]));
  });

  it('keeps a job’s events in order while an earlier one is being retried', async () => {
    const { events } = await start();
    let startedCalls = 0;
    receiver.respond = (request) => (request.type === 'job.started' && ++startedCalls <= 3 ? 503 : 204);
    const jobId = await createJobWithWebhook(store.jobs, receiver.url, ['started', 'progress', 'completed']);

    await events.emitJobEvent(jobId, 'started');
    await events.emitJobEvent(jobId, 'progress');
    await events.emitJobEvent(jobId, 'completed');
    await receiver.waitFor(() => receiver.delivered().length === 3);

    expect(receiver.delivered().map((r) => r.type)).toEqual(['job.started', 'job.progress', 'job.completed']);
    expect(receiver.requests.map((r) => r.type)).toEqual(['job.started', 'job.started', 'job.started', 'job.started', 'job.progress', 'job.completed']);
  });

  it('gives up an event after WEBHOOK_RETRY_SECONDS and then lets the job’s next event go', async () => {
    const { events } = await start({ WEBHOOK_RETRY_SECONDS: '1', WEBHOOK_BACKOFF_MS: '100' });
    receiver.respond = (request) => (request.type === 'job.started' ? 500 : 204);
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    await events.emitJobEvent(jobId, 'completed');
    const attempts = await attemptsOf(jobId, (items) => items.some((i) => i.type === 'job.completed'));

    const started = attempts.filter((a) => a.type === 'job.started');
    expect(started.at(-1)!.status).toBe('given_up');
    expect(started.slice(0, -1).every((a) => a.status === 'failed')).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ type: 'job.completed', status: 'delivered', attempt: 1 });
  });

  it('queues started and the final events once per job, however often they are reported', async () => {
    const { events } = await start();
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    await events.emitJobEvent(jobId, 'started');
    await events.emitJobEvent(jobId, 'completed');
    await events.emitJobEvent(jobId, 'completed');
    await receiver.waitFor(() => receiver.delivered().some((r) => r.type === 'job.completed'));

    expect(receiver.delivered().map((r) => r.type)).toEqual(['job.started', 'job.completed']);
    expect(await delivery!.events.queue.count()).toBe(0);
  });

  it('sends progress at most once a second per job', async () => {
    const { events } = await start();
    const jobId = await createJobWithWebhook(store.jobs, receiver.url, ['progress', 'completed']);

    // All five within the same tick: only the first is sent.
    await Promise.all([1, 2, 3, 4, 5].map(() => events.emitJobEvent(jobId, 'progress')));
    await events.emitJobEvent(jobId, 'completed');
    await receiver.waitFor(() => receiver.delivered().some((r) => r.type === 'job.completed'));

    expect(receiver.delivered().map((r) => r.type)).toEqual(['job.progress', 'job.completed']);
  });

  it('signs with both secrets during a rotation’s overlap, and with the new one only after it', async () => {
    const { events } = await start();
    const secrets = createWebhookSecrets({ redis: store.redis, config });
    const old = (await secrets.getSecrets('default')).current;
    const rotated = await secrets.rotate('default');
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    await receiver.waitFor((requests) => requests.length === 1);

    const [request] = receiver.requests;
    const headers = request.headers as Record<string, string>;
    expect(rotated.current).not.toBe(old);
    expect(rotated.previous).toBe(old);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.current).verify(request.body, headers)).not.toThrow();
    expect(() => new Webhook(old).verify(request.body, headers)).not.toThrow();
    const later = await secrets.getSecrets('default', Date.now() + SECRET_OVERLAP_MS + 1000);
    expect(later).toEqual({ current: rotated.current });
  });

  it('counts attempts by outcome, their duration and the queue depth on the worker registry', async () => {
    const registry = new Registry();
    const { events } = await start({}, undefined, registry);
    let calls = 0;
    receiver.respond = () => (++calls === 1 ? 500 : 204);
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    await attemptsOf(jobId, (items) => items.some((i) => i.status === 'delivered'));
    const text = await registry.metrics();

    expect(text).toMatch(/^trainyard_webhook_deliveries_total\{outcome="delivered"\} 1$/m);
    expect(text).toMatch(/^trainyard_webhook_deliveries_total\{outcome="failed"\} 1$/m);
    expect(text).toMatch(/^trainyard_webhook_delivery_duration_seconds_count 2$/m);
    expect(text).toMatch(/^trainyard_webhook_queue_jobs\{state="waiting"\} 0$/m);
    expect(text).toMatch(/^trainyard_webhook_queue_jobs\{state="delayed"\} 0$/m);
  });

  it('does not follow redirects', async () => {
    const { events } = await start({ WEBHOOK_RETRY_SECONDS: '1' });
    receiver.respond = (_request, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      return 'handled';
    };
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    const [first] = await attemptsOf(jobId, (items) => items.length >= 1);

    expect(first.status).not.toBe('delivered');
    expect(first.responseStatus).toBe(302);
    expect(first.error).toMatch(/redirects are not followed/);
  });

  it('reads at most 64 KiB of an answer and fails an attempt that takes longer than WEBHOOK_TIMEOUT_MS', async () => {
    const { events } = await start({ WEBHOOK_TIMEOUT_MS: '3000', WEBHOOK_RETRY_SECONDS: '1' });
    let written = 0;
    receiver.respond = (request, res) => {
      if (request.type === 'job.started') {
        // An endless 200 answer: the delivery must stop reading, not buffer it all.
        res.writeHead(200);
        const chunk = Buffer.alloc(16 * 1024, 120);
        const pump = (): void => {
          let more = true;
          while (!res.destroyed && more) {
            more = res.write(chunk);
            written += chunk.length;
          }
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('error', () => undefined);
        pump();
        return 'handled';
      }
      return 'hang';
    };
    const jobId = await createJobWithWebhook(store.jobs, receiver.url);

    await events.emitJobEvent(jobId, 'started');
    await events.emitJobEvent(jobId, 'completed');
    const attempts = await attemptsOf(jobId, (items) => items.some((i) => i.type === 'job.completed'));

    // Delivered within the 3 s timeout although the answer never ends: reading stopped.
    expect(attempts[0]).toMatchObject({ type: 'job.started', status: 'delivered', responseStatus: 200 });
    expect(written).toBeGreaterThan(MAX_RESPONSE_BYTES);
    const completed = attempts.find((a) => a.type === 'job.completed')!;
    expect(completed.status).not.toBe('delivered');
    expect(completed.error).toBe('timed out after 3000 ms');
  });
});

describe('webhook delivery with WEBHOOK_ALLOW_PRIVATE=false', () => {
  // Test DNS: each name resolves to one address of a refused class (as a rebinding attacker's would).
  const NAMES: Record<string, string> = {
    'loopback.test': '127.0.0.1',
    'private10.test': '10.1.2.3',
    'private172.test': '172.20.0.1',
    'private192.test': '192.168.1.10',
    'ula.test': 'fd00::7',
    'linklocal.test': '169.254.7.7',
    'cgnat.test': '100.64.3.3',
    'multicast.test': '224.0.0.9',
    'metadata.test': '169.254.169.254',
    'mixed.test': '93.184.216.34',
  };
  const resolveAll: ResolveAll = async (hostname) => {
    if (hostname === 'mixed.test') return [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }];
    const address = NAMES[hostname];
    if (!address) throw Object.assign(new Error(`test DNS: no ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
  const expected: Record<string, string> = {
    'loopback.test': 'loopback', 'private10.test': 'private', 'private172.test': 'private', 'private192.test': 'private', 'ula.test': 'private',
    'linklocal.test': 'link-local', 'cgnat.test': 'cgnat', 'multicast.test': 'multicast', 'metadata.test': 'metadata', 'mixed.test': 'loopback',
  };

  it.each(Object.keys(NAMES))('refuses %s when DNS resolves it to a refused address, and never connects', async (name) => {
    const { events } = await start({ WEBHOOK_ALLOW_PRIVATE: 'false' }, resolveAll);
    const jobId = await createJobWithWebhook(store.jobs, `https://${name}:${receiver.port}/hooks`);

    await events.emitJobEvent(jobId, 'started');
    const [first] = await attemptsOf(jobId, (items) => items.length >= 1);

    expect(first.status).toBe('failed');
    expect(first.responseStatus).toBeUndefined();
    expect(first.error).toMatch(new RegExp(`^refused: ${name.replace('.', '\\.')} resolves to [0-9a-f.:]+, a ${expected[name]} address`));
    expect(receiver.requests).toEqual([]);
  });

  it('refuses localhost through the system resolver (127.0.0.1 / ::1)', async () => {
    const { events } = await start({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const jobId = await createJobWithWebhook(store.jobs, `https://localhost:${receiver.port}/hooks`);

    await events.emitJobEvent(jobId, 'started');
    const [first] = await attemptsOf(jobId, (items) => items.length >= 1);

    expect(first.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(receiver.requests).toEqual([]);
  });

  it('refuses a literal loopback address and http:// at delivery time too', async () => {
    const { events } = await start({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    const literal = await createJobWithWebhook(store.jobs, `https://127.0.0.1:${receiver.port}/hooks`);
    const plain = await createJobWithWebhook(store.jobs, `http://hooks.example.com:${receiver.port}/hooks`);

    await events.emitJobEvent(literal, 'started');
    await events.emitJobEvent(plain, 'started');
    const [a] = await attemptsOf(literal, (items) => items.length >= 1);
    const [b] = await attemptsOf(plain, (items) => items.length >= 1);

    expect(a.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback address/);
    expect(b.error).toMatch(/^refused: http:\/\/ URLs are not allowed/);
    expect(receiver.requests).toEqual([]);
  });
});
