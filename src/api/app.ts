import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { RateLimitedError, UnavailableError } from '../errors.js';
import { createInferencePool, type InferencePool } from '../inference/inference-pool.js';
import { createLogger } from '../logger.js';
import { closeConnection, createProducerConnection } from '../queue/connection.js';
import { createTrainingQueue } from '../queue/training-queue.js';
import { createDatasetStore } from '../store/dataset-store.js';
import { createJobStore } from '../store/job-store.js';
import { createTenantUsage } from '../store/tenant-usage.js';
import { createMetricsStore } from '../store/metrics-store.js';
import { createThroughputStore } from '../store/throughput-store.js';
import { createJobEvents } from '../webhooks/job-events.js';
import type { ApiDeps } from './deps.js';
import { webhookRoutes } from './routes/webhooks.js';
import { adminBoardPlugin } from './plugins/admin-board.js';
import { createAuthenticate } from './plugins/auth.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { prometheusPlugin } from './plugins/prometheus.js';
import { registerSwagger } from './plugins/swagger.js';
import { registerProblemHandlers } from './problem.js';
import { datasetRoutes } from './routes/datasets.js';
import { usageRoutes } from './routes/usage.js';
import { healthRoutes } from './routes/health.js';
import { exportRoutes } from './routes/export.js';
import { jobRoutes } from './routes/jobs.js';
import { controlRoutes } from './routes/control.js';
import { watchRoutes } from './routes/watch.js';
import { compileValidator } from './validation.js';

/** What {@link buildApp} needs; everything but `config` is built when not given. */
export interface BuildAppOptions {
  config: Config;
  /** Root logger. @defaultValue `createLogger(config)` */
  log?: Logger;
  /** The API's fail-fast producer connection. @defaultValue `createProducerConnection(config)` (closed with the app) */
  redis?: Redis;
  /** A second fail-fast connection for reads. @defaultValue a new one when `redis` is not given, else `redis` */
  readRedis?: Redis;
  /** The /predict thread pool. @defaultValue `INFERENCE_THREADS` threads (closed with the app) */
  inference?: InferencePool;
}

function waitForReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/**
 * One log line per request, written when it ends, with the request (method, url, remote
 * address), the status and the response time, instead of Fastify's two (`incoming request` and
 * `request completed`): under 100 polling connections those two lines were 19 % of the API's
 * CPU time (bench:api profile).
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

const JSON_TYPE = /^application\/(?:problem\+)?json\b/;

/**
 * A JSON or problem+json body ends with a newline, so that answers printed in a terminal
 * (curl) do not run into the prompt. Routes that tag their bytes (ETag) add it themselves.
 */
function withTrailingNewline(reply: FastifyReply, payload: unknown): unknown {
  if (typeof payload !== 'string' || payload.endsWith('\n')) return payload;
  return JSON_TYPE.test(String(reply.getHeader('content-type') ?? '')) ? `${payload}\n` : payload;
}

/** Inbound `x-request-id` values accepted as the request id (caller-controlled: validated). */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;

/** The API's two fail-fast connections (built unless given), each ready or given a moment to be. */
async function openConnections(config: Config, options: BuildAppOptions): Promise<{ redis: Redis; readRedis: Redis; ownsRedis: boolean; ownsReadRedis: boolean }> {
  const ownsRedis = options.redis === undefined;
  const redis = options.redis ?? createProducerConnection(config);
  // Reads get their own connection: a write stuck behind CLIENT PAUSE WRITE or a full memory
  // blocks every later command of its connection, and status polls must keep being served.
  const ownsReadRedis = options.readRedis === undefined && ownsRedis;
  const readRedis = options.readRedis ?? (ownsRedis ? createProducerConnection(config, 'trainyard-api-read') : redis);
  for (const [owned, connection] of [[ownsRedis, redis], [ownsReadRedis, readRedis]] as const) {
    if (!owned) continue;
    // Connection errors surface on the commands that fail (503); the event needs a listener.
    connection.on('error', () => undefined);
    // Give the first connection a moment, so requests right after start do not get 503s;
    // an unreachable Redis still lets the API start (it answers 503 until Redis is back).
    await waitForReady(connection, config.REDIS_COMMAND_TIMEOUT_MS);
  }
  return { redis, readRedis, ownsRedis, ownsReadRedis };
}

/** The Fastify instance: limits, request ids, validation, one log line per request, JSON newline. */
function createFastify(config: Config, log: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: log,
    logController: new OneLinePerRequest(),
    genReqId: (request) => {
      const inbound = request.headers['x-request-id'];
      return typeof inbound === 'string' && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    handlerTimeout: config.HANDLER_TIMEOUT_MS,
    maxRequestsPerSocket: 1000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(compileValidator);
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('tenant', '');
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return withTrailingNewline(reply, payload);
  });
  return app;
}

/**
 * The per-tenant rate limits of the `/v1` scope, counted in Redis (so they hold across API
 * processes), keyed by tenant after the auth hook.
 */
async function registerRateLimit(v1: FastifyInstance, config: Config, redis: Redis): Promise<void> {
  // A per-minute limit of 0 is no limit: that kind of request is let through (allowList below).
  if (!(config.RATE_LIMIT_ENABLED && (config.TENANT_SUBMITS_PER_MINUTE > 0 || config.TENANT_REQUESTS_PER_MINUTE > 0))) return;
  await v1.register(rateLimit, {
    global: true,
    // After auth (this hook is added later in the same scope): the key is the tenant, not the IP.
    hook: 'onRequest',
    redis,
    nameSpace: `${config.KEY_PREFIX}:rl:`,
    // A Redis outage is answered by the routes themselves (503); do not 500 here.
    skipOnError: true,
    timeWindow: 60_000,
    keyGenerator: (request) => `${request.tenant}:${request.routeOptions.config.rateLimitKind === 'submit' ? 'submit' : 'all'}`,
    max: (request) => (request.routeOptions.config.rateLimitKind === 'submit' ? config.TENANT_SUBMITS_PER_MINUTE : config.TENANT_REQUESTS_PER_MINUTE),
    allowList: (request) => (request.routeOptions.config.rateLimitKind === 'submit' ? config.TENANT_SUBMITS_PER_MINUTE : config.TENANT_REQUESTS_PER_MINUTE) === 0,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(`Rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}.`, Math.ceil(context.ttl / 1000)),
  });
}

/** Everything under `/v1`: the API key, the rate limits, then the resources' routes. */
async function registerV1(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  v1.addHook('onRequest', deps.authenticate);
  await registerRateLimit(v1, deps.config, deps.redis);
  await v1.register(jobRoutes, deps);
  await v1.register(controlRoutes, deps);
  await v1.register(exportRoutes, deps);
  await v1.register(datasetRoutes, deps);
  await v1.register(usageRoutes, deps);
  await v1.register(webhookRoutes, deps);
  await v1.register(watchRoutes, deps);
}

/**
 * Builds the Fastify app (routes, validation, problem+json errors, auth, rate limits) without
 * listening. `app.close()` releases what it built (Redis connection, queue, inference threads).
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const log = options.log ?? createLogger(config);
  // First: a bad keys file fails the start before any connection is opened.
  const authenticate = createAuthenticate(config, log);
  const { redis, readRedis, ownsRedis, ownsReadRedis } = await openConnections(config, options);
  const ownsInference = options.inference === undefined;
  const inference = options.inference ?? createInferencePool({ threads: config.INFERENCE_THREADS, timeoutMs: config.HANDLER_TIMEOUT_MS });

  const tenantUsage = createTenantUsage({ redis, reader: readRedis, config });
  const jobStore = createJobStore({ redis, reader: readRedis, config, usage: tenantUsage });
  const datasetStore = createDatasetStore({ redis, reader: readRedis, config, usage: tenantUsage });
  // The API only reads curves.
  const metricsStore = createMetricsStore({ redis: readRedis, config });
  const trainingQueue = createTrainingQueue({ connection: redis, config, jobStore });
  const events = createJobEvents({ redis, config, log, jobs: jobStore });
  const throughputStore = createThroughputStore({ redis: readRedis, config });
  const deps: ApiDeps = { config, log, redis, jobStore, datasetStore, metricsStore, tenantUsage, trainingQueue, throughputStore, inference, authenticate, events };

  const app = createFastify(config, log);
  if (!config.authEnabled) log.warn('TRAINYARD_API_KEYS is unset: authentication is off and every request is tenant "default"');
  app.addHook('onClose', async () => {
    authenticate.close?.();
    await trainingQueue.close().catch(() => undefined);
    await events.close().catch(() => undefined);
    if (ownsInference) await inference.close();
    if (ownsRedis) await closeConnection(redis);
    if (ownsReadRedis) await closeConnection(readRedis);
  });

  registerProblemHandlers(app);
  // First: its onResponse hook must reach every route registered after it.
  await app.register(prometheusPlugin, deps);
  await registerSwagger(app);
  if (config.MAX_EVENT_LOOP_DELAY_MS > 0) await app.register(underPressure, {
    maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS,
    retryAfter: 5,
    exposeStatusRoute: false,
    pressureHandler: () => {
      throw new UnavailableError('The server is overloaded; retry shortly.', { retryAfterSeconds: 5 });
    },
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, deps);

  await app.register(async (v1) => registerV1(v1, deps), { prefix: '/v1' });

  await app.register(dashboardPlugin, deps);
  await app.register(adminBoardPlugin, deps);
  return app;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which per-tenant rate limit applies: `submit` (POST /v1/jobs) or every other `/v1` call. */
    rateLimitKind?: 'submit';
  }
}
