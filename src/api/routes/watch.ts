import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, UnauthorizedError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { sendProblem, toProblem } from '../problem.js';
import { renderLossSvg } from '../observability/loss-svg.js';
import { problemResponses, SECURITY } from '../schemas/common.js';
import { JobEventStream, resolveCursor } from '../observability/job-events.js';
import { createApiMetrics, type ApiMetrics } from '../observability/prometheus.js';

/** Options of {@link watchRoutes}: the API's dependencies, plus test knobs. */
export type WatchRoutesOptions = Pick<ApiDeps, 'config' | 'redis' | 'jobStore' | 'metricsStore' | 'trainingQueue' | 'authenticate'> & {
  /** Time between two Redis reads of an event stream (ms). @defaultValue 250 */
  eventsPollMs?: number;
  /** Time between two heartbeat comments of an event stream (ms). @defaultValue 15000 */
  eventsHeartbeatMs?: number;
  /** The longest an event stream stays open (ms). @defaultValue {@link EVENT_STREAM_MAX_MS} */
  eventsMaxDurationMs?: number;
};

/** Event streams one API process serves at once; beyond it a new stream gets 503 (abuse bound). */
export const MAX_EVENT_STREAMS = 2_000;

/**
 * Event streams one tenant may hold open on one API process; beyond it 429. A dashboard needs
 * one; the bound stops a single key from holding every stream (and its Redis polling).
 */
export const MAX_EVENT_STREAMS_PER_TENANT = 50;

/** The longest an event stream stays open before the client is asked to reconnect (ms). */
export const EVENT_STREAM_MAX_MS = 3_600_000;

const JOB_PARAMS = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;

const PUBLIC_DIR = new URL('../../../public/dashboard/', import.meta.url);
const require = createRequire(import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(file: string | URL, type: string): Asset {
  const body = readFileSync(file);
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** The dashboard's files, read once: the page, its script and style, and uPlot from node_modules. */
function loadDashboardAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  assets.set('/dashboard', asset(new URL('index.html', PUBLIC_DIR), 'text/html; charset=utf-8'));
  assets.set('/dashboard/dashboard.js', asset(new URL('dashboard.js', PUBLIC_DIR), 'text/javascript; charset=utf-8'));
  assets.set('/dashboard/dashboard.css', asset(new URL('dashboard.css', PUBLIC_DIR), 'text/css; charset=utf-8'));
  assets.set('/dashboard/vendor/uPlot.iife.min.js', asset(require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'));
  assets.set('/dashboard/vendor/uPlot.min.css', asset(require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'));
  return assets;
}

// The page loads nothing from elsewhere and runs no inline script.
const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** `true` when `If-None-Match` names `etag` (a list, weak tags or `*`). */
function matchesEtag(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The admin key check of `/admin/queues`: `Authorization: Bearer <key>`, `X-Admin-Key: <key>`,
 * or HTTP Basic with the key as password (so a browser can prompt for it). Compared in constant
 * time on SHA-256 digests, which have equal lengths whatever was sent.
 */
function createAdminCheck(adminKey: string): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = sha256(adminKey);
  return async (request, reply) => {
    const authorization = request.headers.authorization ?? '';
    const headerKey = request.headers['x-admin-key'];
    let presented = typeof headerKey === 'string' ? headerKey : '';
    const bearer = /^Bearer (\S{1,512})$/.exec(authorization);
    const basic = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(authorization);
    if (bearer) presented = bearer[1];
    else if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      presented = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (presented === '' || !timingSafeEqual(sha256(presented), expected)) {
      // Answered here rather than thrown: bull-board installs its own error handler on its routes.
      const error = new UnauthorizedError('The admin key is required: HTTP Basic with the key as password, or Authorization: Bearer <admin key>.');
      reply.header('www-authenticate', 'Basic realm="trainyard admin", charset="UTF-8"');
      return sendProblem(reply, toProblem(error, request.id));
    }
    return undefined;
  };
}

function registerPrometheus(app: FastifyInstance, options: WatchRoutesOptions): ApiMetrics {
  const { redis, trainingQueue, jobStore } = options;
  const metrics = createApiMetrics({
    getQueueCounts: () => trainingQueue.getQueueCounts(),
    async getRunningJobs() {
      const active = await trainingQueue.queue.getActive(0, 999);
      if (active.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const job of active) pipeline.hmget(jobStore.keys.jobRecord(job.data.jobId), 'status', 'epochsPerSecond', 'samplesPerSecond');
      const replies = (await pipeline.exec()) ?? [];
      return replies
        .map(([, fields]) => fields as (string | null)[] | null)
        .filter((fields): fields is (string | null)[] => fields !== null && fields[0] === 'running')
        .map(([, epochs, samples]) => ({ epochsPerSecond: epochs ? Number(epochs) : null, samplesPerSecond: samples ? Number(samples) : null }));
    },
    async getFinishedCounts() {
      // The job store counts every transition to a final status in this hash.
      const hash = await redis.hgetall(jobStore.keys.jobsFinished);
      return Object.fromEntries(Object.entries(hash).map(([status, count]) => [status, Number(count)]));
    },
    pingRedis: async () => {
      await redis.ping();
    },
  });

  // Every route of the app, this plugin's and the other plugins' alike (see the skip-override below).
  app.addHook('onResponse', async (request, reply) => {
    // An event stream's duration is how long someone watched, not a latency: leave it out.
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
    metrics.observeRequest({ method: request.method, route: request.routeOptions.url ?? 'unmatched', statusCode: reply.statusCode }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
  return metrics;
}

function registerDashboard(app: FastifyInstance, authEnabled: boolean): void {
  const assets = loadDashboardAssets();
  const serve = (path: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const file = assets.get(path)!;
    reply
      .header('content-type', file.type)
      .header('etag', file.etag)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff');
    if (path === '/dashboard') reply.header('content-security-policy', DASHBOARD_CSP).header('referrer-policy', 'no-referrer');
    if (matchesEtag(request, file.etag)) return reply.code(304).send();
    return reply.send(file.body);
  };
  for (const path of assets.keys()) app.get(path, { schema: { hide: true } }, serve(path));
  // What the page needs to know before its first API call: whether to ask for a key.
  app.get('/dashboard/config.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ authEnabled: authEnabled }));
  app.get('/dashboard/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard'));
}

async function registerAdmin(app: FastifyInstance, options: WatchRoutesOptions): Promise<void> {
  const adminKey = options.config.TRAINYARD_ADMIN_KEY;
  // No key configured: the board can retry and empty queues, so it does not exist at all.
  if (!adminKey) return;
  const basePath = '/admin/queues';
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  // @bull-board/fastify pins its own copy of @bull-board/api, whose adapter type is the same shape.
  createBullBoard({ queues: [new BullMQAdapter(options.trainingQueue.queue)], serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'] });
  await app.register(async (admin) => {
    admin.addHook('onRequest', createAdminCheck(adminKey));
    await admin.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
}

function registerJobRoutes(app: FastifyInstance, options: WatchRoutesOptions): void {
  const { config, jobStore, metricsStore } = options;
  const streams = new Set<JobEventStream>();
  const streamsPerTenant = new Map<string, number>();

  // Open streams would hold the server open: end them first, so clients reconnect elsewhere.
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close('server shutting down; reconnect with Last-Event-ID');
    await Promise.all([...streams].map((stream) => stream.done));
  });

  app.register(async (v1) => {
    v1.addHook('onRequest', options.authenticate);

    v1.get<{ Params: { id: string }; Querystring: { since?: string } }>('/v1/jobs/:id/events', {
      // The app-wide HANDLER_TIMEOUT_MS would cut a stream after seconds; a stream ends itself
      // after EVENT_STREAM_MAX_MS instead, and this is only the backstop.
      handlerTimeout: EVENT_STREAM_MAX_MS + 60_000,
      schema: {
        tags: ['jobs'],
        summary: 'Live progress and status changes of a job as Server-Sent Events',
        description:
          '`progress` events (id = epoch, data = the curve point with `epochs` and `fraction`), a `status` event first and on every change, ' +
          'comment heartbeats; the stream ends after a terminal status. Reconnect with `Last-Event-ID` (the same cursor as `/metrics?since`) ' +
          'to continue without a gap or a duplicate.',
        security: SECURITY,
        params: JOB_PARAMS,
        querystring: {
          type: 'object',
          properties: { since: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'start after this epoch when no Last-Event-ID is sent' } },
          additionalProperties: false,
        },
        headers: {
          type: 'object',
          properties: { 'last-event-id': { type: 'string', maxLength: 64, description: 'the last epoch received: the stream continues after it' } },
        },
        response: {
          200: { description: 'text/event-stream: `progress` and `status` events, comment heartbeats', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...problemResponses(404),
        },
      },
    }, async (request, reply) => {
      const record = await jobStore.getTenantJob(request.tenant, request.params.id);
      if (streams.size >= MAX_EVENT_STREAMS) {
        throw new AppError('unavailable', 503, 'Too many open event streams; retry shortly.', { retryAfterSeconds: 5 });
      }
      const tenantStreams = streamsPerTenant.get(request.tenant) ?? 0;
      if (tenantStreams >= MAX_EVENT_STREAMS_PER_TENANT) {
        throw new AppError('rate_limited', 429, `At most ${MAX_EVENT_STREAMS_PER_TENANT} event streams may be open at once; close one first.`, { retryAfterSeconds: 5 });
      }
      const stream = new JobEventStream({
        since: resolveCursor(request.headers['last-event-id'], request.query.since),
        pollMs: options.eventsPollMs,
        maxDurationMs: options.eventsMaxDurationMs ?? EVENT_STREAM_MAX_MS,
        heartbeatMs: options.eventsHeartbeatMs,
        reader: {
          async readJob() {
            const job = await jobStore.getJob(record.id);
            return job && { status: job.status, epoch: job.epoch, epochs: job.epochs, error: job.error };
          },
          async readPoints(since) {
            return (await metricsStore.readCurve(record.id, since, config.MAX_CURVE_POINTS)).points;
          },
        },
        onError: (err) => request.log.warn({ err, jobId: record.id }, 'event stream read failed; retrying'),
      });
      streams.add(stream);
      streamsPerTenant.set(request.tenant, tenantStreams + 1);
      void stream.done.then(() => {
        streams.delete(stream);
        const left = (streamsPerTenant.get(request.tenant) ?? 1) - 1;
        if (left > 0) streamsPerTenant.set(request.tenant, left);
        else streamsPerTenant.delete(request.tenant);
      });
      reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no');
      return reply.send(stream.start().body);
    });

    v1.get<{ Params: { id: string }; Querystring: { log?: 'y'; maxPoints?: string } }>('/v1/jobs/:id/loss.svg', {
      schema: {
        tags: ['jobs'],
        summary: 'The loss curve as an SVG chart',
        description: 'Training and validation loss by epoch; `?log=y` for a logarithmic loss axis. Curves over `maxPoints` are reduced keeping each bucket’s minimum and maximum.',
        params: JOB_PARAMS,
        querystring: {
          type: 'object',
          properties: {
            log: { type: 'string', enum: ['y'] },
            maxPoints: { type: 'string', pattern: '^[0-9]{1,5}$', description: 'at most this many points per series (10 … 10000, default 1000)' },
          },
          additionalProperties: false,
        },
        security: SECURITY,
        response: {
          200: { description: 'an SVG document (with an ETag)', content: { 'image/svg+xml': { schema: { type: 'string' } } } },
          304: { description: 'not modified since the ETag sent in If-None-Match', type: 'null' },
          ...problemResponses(400, 404),
        },
      },
    }, async (request, reply) => {
      const record = await jobStore.getTenantJob(request.tenant, request.params.id);
      const { points } = await metricsStore.readCurve(record.id, 0, config.MAX_CURVE_POINTS);
      const maxPoints = Math.min(10_000, Math.max(10, Number(request.query.maxPoints ?? 1000)));
      const subtitle = `${record.status} · epoch ${record.epoch} of ${record.epochs}${record.loss !== null && Number.isFinite(record.loss) ? ` · loss ${record.loss.toPrecision(4)}` : ''}`;
      const svg = renderLossSvg({ title: record.name || record.id, subtitle, points, logY: request.query.log === 'y', maxPoints });
      const etag = `"${createHash('sha256').update(svg).digest('base64url').slice(0, 27)}"`;
      reply
        .header('etag', etag)
        .header('cache-control', 'private, no-cache')
        .header('x-content-type-options', 'nosniff')
        // Opened on its own, the SVG is a document: it runs nothing and loads nothing.
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (matchesEtag(request, etag)) return reply.code(304).send();
      return reply.header('content-type', 'image/svg+xml; charset=utf-8').send(svg);
    });
  });
}

/**
 * Observability routes (issue 5): `GET /v1/jobs/{id}/events` (SSE), `GET /v1/jobs/{id}/loss.svg`,
 * `GET /dashboard` and its assets, `GET /metrics` (Prometheus), and `/admin/queues` (bull-board,
 * only when `TRAINYARD_ADMIN_KEY` is set). Registered by `api/app.ts` with the API's deps.
 *
 * It is not encapsulated (`skip-override`, as `fastify-plugin` does): its `onResponse` hook, which
 * feeds the HTTP request histogram, must see every route of the app, not only its own.
 */
export const watchRoutes: FastifyPluginAsync<WatchRoutesOptions> = async (app, options) => {
  registerPrometheus(app, options);
  registerDashboard(app, options.config.authEnabled);
  await registerAdmin(app, options);
  registerJobRoutes(app, options);
};
(watchRoutes as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
