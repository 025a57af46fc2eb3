import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import { createJobStore, type JobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { withJobWebhook, type WebhookEvent } from '../../../src/webhooks/job-webhook.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { deleteKeysWithPrefix } from '../../helpers/build-app.js';

/** One request the receiver got, and what it answered. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** `type` of the JSON body. */
  type: string;
  answered: number;
}

/** A real HTTP receiver on 127.0.0.1 whose answers a test scripts. */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Decides the answer of each request (default: 204). */
  respond: (request: ReceivedRequest, res: ServerResponse) => number | 'hang' | 'handled';
  /** Resolves once `predicate` holds for the requests so far. */
  waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Successful (2xx) requests, in the order they arrived. */
  delivered(): ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let type = '';
      try {
        type = (JSON.parse(body) as { type?: string }).type ?? '';
      } catch {
        // not JSON: recorded as it is
      }
      const request: ReceivedRequest = { headers: req.headers, body, type, answered: 0 };
      const answer = receiver.respond(request, res);
      if (typeof answer === 'number') {
        request.answered = answer;
        res.writeHead(answer).end();
      }
      requests.push(request);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    requests,
    respond: () => 204,
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(requests)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${JSON.stringify(requests.map((r) => [r.type, r.answered]))}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    delivered: () => requests.filter((r) => r.answered >= 200 && r.answered < 300),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** A config on the test Redis with a unique prefix and quick webhook retries. */
export function webhookTestConfig(env: Record<string, string> = {}): Config {
  const id = randomUUID().slice(0, 8);
  return loadConfig({
    REDIS_URL: inject('redisUrl'),
    KEY_PREFIX: `tyw-${id}`,
    QUEUE_NAME: `q-${id}`,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_BACKOFF_MS: '50',
    WEBHOOK_TIMEOUT_MS: '2000',
    ...env,
  });
}

/** Creates a queued job with a webhook directly in the job store; returns its id. */
export async function createJobWithWebhook(jobs: JobStore, url: string, events?: WebhookEvent[], tenant = 'default'): Promise<string> {
  const id = randomUUID();
  const spec = withJobWebhook(xorJobSpec(id), { url, ...(events ? { events } : {}) });
  await jobs.createJob({ id, tenant, spec, createdAt: new Date().toISOString(), initialWeights: null });
  return id;
}

/** A plain client and job store on the test Redis; `cleanup()` deletes every key of the prefix. */
export function openStore(config: Config): { redis: Redis; jobs: JobStore; cleanup(): Promise<void> } {
  const redis = new Redis(config.REDIS_URL!);
  const jobs = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
  return {
    redis,
    jobs,
    async cleanup() {
      await deleteKeysWithPrefix(redis, config.KEY_PREFIX);
      await redis.quit();
    },
  };
}
