import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { msUntilUtcMidnight } from '../../store/tenant-usage.js';
import type { ApiDeps } from '../deps.js';
import { describedResponse, problemResponses, SECURITY } from '../schemas/common.js';

const UsageView = Type.Object({
  tenant: Type.String(),
  compute: Type.Object({
    usedSeconds: Type.Number({ description: 'training seconds (thread wall-clock) used today, UTC' }),
    limitSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'TENANT_COMPUTE_SECONDS_PER_DAY; null: unlimited' }),
    resetsAt: Type.String({ format: 'date-time', description: 'next midnight UTC' }),
  }),
  storage: Type.Object({
    usedBytes: Type.Integer({ description: 'uploaded datasets; jobs’ inline data, initial and trained weights' }),
    limitBytes: Type.Union([Type.Integer(), Type.Null()], { description: 'TENANT_MAX_STORED_BYTES; null: unlimited' }),
  }),
}, { title: 'Usage' });

/** GET /v1/usage: the tenant's standing against its compute and storage quotas. */
export const usageRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { config, tenantUsage } = deps;

  app.get('/usage', {
    schema: {
      tags: ['usage'], operationId: 'getUsage', summary: 'The tenant’s compute today and stored bytes, against its quotas',
      description: 'Training seconds used today (UTC) and bytes stored, with the limits that apply (null: unlimited).', security: SECURITY,
      response: { 200: describedResponse(UsageView, 'The tenant’s usage'), ...problemResponses() },
    },
  }, async (request) => {
    const now = Date.now();
    const [usedSeconds, usedBytes] = await Promise.all([
      tenantUsage.computeSecondsOn(request.tenant, now),
      tenantUsage.storedBytes(request.tenant),
    ]);
    return {
      tenant: request.tenant,
      compute: {
        usedSeconds: Math.round(usedSeconds * 1000) / 1000,
        limitSeconds: config.TENANT_COMPUTE_SECONDS_PER_DAY > 0 ? config.TENANT_COMPUTE_SECONDS_PER_DAY : null,
        resetsAt: new Date(now + msUntilUtcMidnight(now)).toISOString(),
      },
      storage: { usedBytes, limitBytes: config.TENANT_MAX_STORED_BYTES > 0 ? config.TENANT_MAX_STORED_BYTES : null },
    };
  });
};
