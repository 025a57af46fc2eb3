import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { evictionPolicyProblem, pingRedis } from '../../queue/connection.js';
import type { ApiDeps } from '../deps.js';
import { describedResponse } from '../schemas/common.js';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }, { title: 'ReadinessCheck' });
const Readiness = Type.Object({
  status: Type.String({ description: 'ready or not_ready' }),
  checks: Type.Object({ redis: Check, queue: Check, maxmemoryPolicy: Check }),
}, { title: 'Readiness' });

/** Timeout of each readiness probe (a paused Redis must not hang the probe). */
const PROBE_TIMEOUT_MS = 1_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out')), PROBE_TIMEOUT_MS).unref()),
  ]);
}

/** `/healthz` (liveness: the process answers) and `/readyz` (Redis, queue, noeviction). */
export const healthRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  app.get('/healthz', {
    // Liveness stays answerable under load: under-pressure's 503 is for the work routes.
    config: { pressureHandler: () => undefined },
    schema: {
      tags: ['health'], operationId: 'health', summary: 'Liveness',
      description: 'Answers while the process runs, even under load.', security: [],
      response: { 200: describedResponse(Type.Object({ status: Type.String() }, { title: 'Health' }), 'The process answers') },
    },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    schema: {
      tags: ['health'],
      operationId: 'ready',
      summary: 'Readiness: Redis reachable, queue usable, maxmemory-policy noeviction',
      description: '200 when every check passes, 503 with the failing checks otherwise.',
      security: [],
      response: { 200: describedResponse(Readiness, 'Ready'), 503: describedResponse(Readiness, 'Not ready: see checks') },
    },
  }, async (request, reply) => {
    const check = async (probe: () => Promise<string | undefined>) => {
      try {
        const detail = await withTimeout(probe());
        return detail === undefined ? { ok: true } : { ok: false, detail };
      } catch (error) {
        return { ok: false, detail: error instanceof Error && error.message === 'timed out' ? 'timed out' : 'unreachable' };
      }
    };
    const [redis, queue, maxmemoryPolicy] = await Promise.all([
      check(async () => {
        await pingRedis(deps.redis);
        return undefined;
      }),
      check(async () => {
        await deps.trainingQueue.getQueueCounts();
        return undefined;
      }),
      check(() => evictionPolicyProblem(deps.redis)),
    ]);
    const ready = redis.ok && queue.ok && maxmemoryPolicy.ok;
    if (!ready) request.log.warn({ redis, queue, maxmemoryPolicy }, 'not ready');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: { redis, queue, maxmemoryPolicy } });
  });
};
