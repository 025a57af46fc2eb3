import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createDeliveryLog } from '../../webhooks/delivery-log.js';
import { createWebhookSecrets } from '../../webhooks/webhook-secrets.js';
import type { ApiDeps } from '../deps.js';
import { describedResponse, IdParams, problemResponses, SECURITY } from '../schemas/common.js';

const WebhookSecretView = Type.Object({
  secret: Type.String({ description: 'whsec_<base64 key>: the HMAC-SHA256 key of webhook-signature (Standard Webhooks)' }),
  previousSecret: Type.Optional(Type.String({ description: 'the secret replaced by the last rotation, which also signs until previousExpiresAt' })),
  previousExpiresAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { title: 'WebhookSecret' });

const WebhookDeliveryList = Type.Object({
  items: Type.Array(Type.Object({
    id: Type.String({ description: 'the message id (webhook-id header), the same for every attempt of one event' }),
    type: Type.String({ description: 'job.started, job.progress, job.completed, job.failed or job.cancelled' }),
    attempt: Type.Integer({ minimum: 1 }),
    status: Type.String({ description: 'delivered (2xx), failed (retried later) or given_up (retry window over)' }),
    responseStatus: Type.Optional(Type.Integer({ description: 'the receiver’s HTTP status' })),
    error: Type.Optional(Type.String({ description: 'why the attempt failed: timeout, refused address, connection error, non-2xx' })),
    at: Type.String({ format: 'date-time' }),
  }, { title: 'WebhookDeliveryAttempt' })),
}, { title: 'WebhookDeliveryList' });

function toSecretView(secrets: { current: string; previous?: string; previousUntil?: number }) {
  return {
    secret: secrets.current,
    ...(secrets.previous ? { previousSecret: secrets.previous, previousExpiresAt: new Date(secrets.previousUntil!).toISOString() } : {}),
  };
}

/** The tenant's webhook signing secret and each job's delivery attempts. */
export const webhookRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { redis, config, jobStore } = deps;
  const secrets = createWebhookSecrets({ redis, config });
  const deliveries = createDeliveryLog({ redis, config });
  const tags = ['webhooks'];

  app.get('/webhook-secret', {
    schema: {
      tags, operationId: 'getWebhookSecret', summary: 'The tenant’s webhook signing secret (created on first use)', security: SECURITY,
      response: { 200: describedResponse(WebhookSecretView, 'The signing secret'), ...problemResponses() },
    },
  }, async (request) => toSecretView(await secrets.getSecrets(request.tenant)));

  app.post('/webhook-secret/rotate', {
    schema: {
      tags, operationId: 'rotateWebhookSecret', summary: 'Replace the signing secret; the old one also signs for 24 h', security: SECURITY,
      response: { 200: describedResponse(WebhookSecretView, 'The new signing secret'), ...problemResponses() },
    },
  }, async (request) => {
    const rotated = await secrets.rotate(request.tenant);
    request.log.info({ tenant: request.tenant }, 'webhook secret rotated');
    return toSecretView(rotated);
  });

  app.get('/jobs/:id/webhook-deliveries', {
    schema: {
      tags, operationId: 'listWebhookDeliveries', summary: 'Every webhook delivery attempt of a job, oldest first', security: SECURITY,
      params: IdParams,
      response: { 200: describedResponse(WebhookDeliveryList, 'The attempts'), ...problemResponses(404) },
    },
  }, async (request) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    return { items: await deliveries.list(record.id) };
  });
};
