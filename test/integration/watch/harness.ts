import Fastify, { type FastifyInstance } from 'fastify';
import { createAuthenticate } from '../../../src/api/plugins/auth.js';
import { registerProblemHandlers } from '../../../src/api/problem.js';
import { watchRoutes, type WatchRoutesOptions } from '../../../src/api/routes/watch.js';
import { adminBoardPlugin } from '../../../src/api/plugins/admin-board.js';
import { dashboardPlugin } from '../../../src/api/plugins/dashboard.js';
import { prometheusPlugin } from '../../../src/api/plugins/prometheus.js';
import { closeConnection, createProducerConnection } from '../../../src/queue/connection.js';
import { createTrainingQueue } from '../../../src/queue/training-queue.js';
import { createJobStore } from '../../../src/store/job-store.js';
import { createTenantUsage } from '../../../src/store/tenant-usage.js';
import { createMetricsStore } from '../../../src/store/metrics-store.js';
import { createWorkerHarness, type WorkerHarness } from '../workers/harness.js';

/** A worker harness (stores, queue, optional real worker) plus a Fastify app with the watch routes. */
export interface WatchHarness extends WorkerHarness {
  app: FastifyInstance;
}

export const KEY_A = 'key-of-tenant-a-0123';
export const KEY_B = 'key-of-tenant-b-4567';
export const ADMIN_KEY = 'admin-key-89abcdef';

/**
 * Builds the watch routes (inside `/v1`, behind the auth hook), the Prometheus, dashboard and
 * admin-board plugins on the API's own connection and stores, with the API's problem
 * handlers and auth hook, over an isolated key prefix of the test Redis.
 * @param env extra environment (e.g. `TRAINYARD_API_KEYS`).
 */
export async function createWatchHarness(
  env: Record<string, string> = {},
  knobs: Pick<WatchRoutesOptions, 'eventsPollMs' | 'eventsHeartbeatMs' | 'eventsMaxDurationMs'> = {},
): Promise<WatchHarness> {
  const base = await createWorkerHarness(env);
  const { config } = base;
  const redis = createProducerConnection(config, 'trainyard-test-api');
  await new Promise((resolve) => (redis.status === 'ready' ? resolve(undefined) : redis.once('ready', resolve)));
  const jobStore = createJobStore({ redis, config, usage: createTenantUsage({ redis, config }) });
  const trainingQueue = createTrainingQueue({ connection: redis, config, jobStore });
  const app: FastifyInstance = Fastify({ logger: false });
  registerProblemHandlers(app);
  const metricsStore = createMetricsStore({ redis, config });
  await app.register(prometheusPlugin, { redis, jobStore, trainingQueue });
  const authenticate = createAuthenticate(config);
  await app.register(async (v1) => {
    v1.addHook('onRequest', authenticate);
    await v1.register(watchRoutes, { config, jobStore, metricsStore, eventsPollMs: 25, ...knobs });
  }, { prefix: '/v1' });
  await app.register(dashboardPlugin, { config });
  await app.register(adminBoardPlugin, { config, trainingQueue });
  await app.ready();
  return {
    ...base,
    app,
    async close() {
      await app.close();
      await trainingQueue.close();
      await closeConnection(redis);
      await base.close();
    },
  };
}

/** One parsed Server-Sent Event. */
export interface SseEvent {
  event: string;
  id: string | null;
  data: unknown;
}

/** Parses a text/event-stream body into events (comments are counted separately). */
export function parseSse(text: string): { events: SseEvent[]; comments: string[]; retry: number | null } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let retry: number | null = null;
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let event = 'message';
    let id: string | null = null;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
      else throw new Error(`unexpected SSE line ${JSON.stringify(line)}`);
    }
    if (data.length > 0) events.push({ event, id, data: JSON.parse(data.join('\n')) });
  }
  return { events, comments, retry };
}
