import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { pingRedis } from '../../queue/connection.js';
import type { ApiDeps } from '../deps.js';
import { createApiMetrics, type ApiMetrics, type RunningJobThroughput } from '../observability/prometheus.js';

/** Options of {@link prometheusPlugin}. */
export type PrometheusPluginOptions = Pick<ApiDeps, 'redis' | 'jobStore' | 'trainingQueue'>;

/** The largest number of running jobs read per scrape (one record read each). */
const MAX_RUNNING_READ = 1_000;

function createSources(options: PrometheusPluginOptions): Parameters<typeof createApiMetrics>[0] {
  const { redis, trainingQueue, jobStore } = options;
  return {
    getQueueCounts: () => trainingQueue.getQueueCounts(),
    async getRunningJobs(): Promise<RunningJobThroughput[]> {
      const active = await trainingQueue.queue.getActive(0, MAX_RUNNING_READ - 1);
      const records = await Promise.all(active.map((job) => jobStore.getJob(job.data.jobId)));
      return records
        .filter((record) => record !== null && record.status === 'running')
        .map((record) => ({ epochsPerSecond: record!.epochsPerSecond, samplesPerSecond: record!.samplesPerSecond }));
    },
    getFinishedCounts: () => jobStore.countFinishedJobs(),
    pingRedis: () => pingRedis(redis),
  };
}

const plugin: FastifyPluginAsync<PrometheusPluginOptions> = async (app, options) => {
  const metrics: ApiMetrics = createApiMetrics(createSources(options));

  // Every route of the app (this plugin is not encapsulated): the HTTP request histogram.
  app.addHook('onResponse', async (request, reply) => {
    // An event stream's duration is how long someone watched, not a latency: leave it out.
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
    metrics.observeRequest({ method: request.method, route: request.routeOptions.url ?? 'unmatched', statusCode: reply.statusCode }, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
};

/**
 * `GET /metrics` (Prometheus text: HTTP requests by route and status, queue depth, jobs by final
 * status, throughput of running jobs) and the app-wide `onResponse` hook that feeds the request
 * histogram. Registered once, at the root, before the routes it measures.
 */
export const prometheusPlugin = fp(plugin, { name: 'trainyard-prometheus', fastify: '5.x' });
