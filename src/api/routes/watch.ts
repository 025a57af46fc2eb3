import type { FastifyPluginAsync } from 'fastify';

/**
 * Observability routes (issue 5): SSE events, loss.svg, dashboard, Prometheus /metrics.
 * Registered by `api/app.ts`; filled in by the observability work.
 */
export const watchRoutes: FastifyPluginAsync<Record<string, unknown>> = async () => {};
