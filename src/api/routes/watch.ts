import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { RateLimitedError, UnavailableError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { etagOf, matchesEtag } from '../etag.js';
import { renderLossSvg } from '../observability/loss-svg.js';
import { HEADERS, NOT_MODIFIED, problemResponses, SECURITY } from '../schemas/common.js';
import { JobEventStream, resolveCursor } from '../observability/job-events.js';

/** Options of {@link watchRoutes}: the API's dependencies, plus test knobs. */
export type WatchRoutesOptions = Pick<ApiDeps, 'config' | 'jobStore' | 'metricsStore'> & {
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

/** The open event streams of one API process, counted per tenant (the abuse bounds above). */
class EventStreams {
  readonly open = new Set<JobEventStream>();
  private readonly perTenant = new Map<string, number>();

  /**
   * Admits a new stream for `tenant` or throws 503 (process bound) / 429 (tenant bound).
   * The stream is forgotten when it ends.
   */
  add(tenant: string, create: () => JobEventStream): JobEventStream {
    if (this.open.size >= MAX_EVENT_STREAMS) {
      throw new UnavailableError('Too many open event streams; retry shortly.', { retryAfterSeconds: 5 });
    }
    const count = this.perTenant.get(tenant) ?? 0;
    if (count >= MAX_EVENT_STREAMS_PER_TENANT) {
      throw new RateLimitedError(`At most ${MAX_EVENT_STREAMS_PER_TENANT} event streams may be open at once; close one first.`, 5);
    }
    const stream = create();
    this.open.add(stream);
    this.perTenant.set(tenant, count + 1);
    void stream.done.then(() => {
      this.open.delete(stream);
      const left = (this.perTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.perTenant.set(tenant, left);
      else this.perTenant.delete(tenant);
    });
    return stream;
  }

  /** Ends every open stream (the server is closing) and waits for them to finish. */
  async closeAll(): Promise<void> {
    for (const stream of this.open) stream.close('server shutting down; reconnect with Last-Event-ID');
    await Promise.all([...this.open].map((stream) => stream.done));
  }
}

function registerEventsRoute(app: FastifyInstance, options: WatchRoutesOptions, streams: EventStreams): void {
  const { config, jobStore, metricsStore } = options;
  app.get<{ Params: { id: string }; Querystring: { since?: string } }>('/jobs/:id/events', {
    // The app-wide HANDLER_TIMEOUT_MS would cut a stream after seconds; a stream ends itself
    // after EVENT_STREAM_MAX_MS instead, and this is only the backstop.
    handlerTimeout: EVENT_STREAM_MAX_MS + 60_000,
    schema: {
      tags: ['jobs'],
      operationId: 'getJobEvents',
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
    const stream = streams.add(request.tenant, () => new JobEventStream({
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
    }));
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache, no-transform')
      .header('x-accel-buffering', 'no');
    return reply.send(stream.start().body);
  });
}

function registerLossSvgRoute(app: FastifyInstance, options: WatchRoutesOptions): void {
  const { config, jobStore, metricsStore } = options;
  app.get<{ Params: { id: string }; Querystring: { log?: 'y'; maxPoints?: string } }>('/jobs/:id/loss.svg', {
    schema: {
      tags: ['jobs'],
      operationId: 'getLossSvg',
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
        200: { description: 'an SVG document', headers: HEADERS.etag, content: { 'image/svg+xml': { schema: { type: 'string' } } } },
        304: NOT_MODIFIED,
        ...problemResponses(400, 404),
      },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    const { points } = await metricsStore.readCurve(record.id, 0, config.MAX_CURVE_POINTS);
    const maxPoints = Math.min(10_000, Math.max(10, Number(request.query.maxPoints ?? 1000)));
    const subtitle = `${record.status} · epoch ${record.epoch} of ${record.epochs}${record.loss !== null && Number.isFinite(record.loss) ? ` · loss ${record.loss.toPrecision(4)}` : ''}`;
    const svg = renderLossSvg({ title: record.name || record.id, subtitle, points, logY: request.query.log === 'y', maxPoints });
    const etag = etagOf(svg);
    reply
      .header('etag', etag)
      .header('cache-control', 'private, no-cache')
      .header('x-content-type-options', 'nosniff')
      // Opened on its own, the SVG is a document: it runs nothing and loads nothing.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
    return reply.header('content-type', 'image/svg+xml; charset=utf-8').send(svg);
  });
}

/**
 * A job watched live, registered inside the `/v1` scope (API key and per-tenant rate limit apply):
 * `GET /v1/jobs/{id}/events` (Server-Sent Events) and `GET /v1/jobs/{id}/loss.svg`.
 */
export const watchRoutes: FastifyPluginAsync<WatchRoutesOptions> = async (app, options) => {
  const streams = new EventStreams();
  // Open streams would hold the server open: end them first, so clients reconnect elsewhere.
  app.addHook('preClose', () => streams.closeAll());
  registerEventsRoute(app, options, streams);
  registerLossSvgRoute(app, options);
};
