import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { sendProblem, toProblem } from '../problem.js';
import { digestKey, isKeyDigest } from './auth.js';

/** Options of {@link adminBoardPlugin}. */
export type AdminBoardPluginOptions = Pick<ApiDeps, 'config' | 'trainingQueue'>;

/** Where the board is served. */
export const ADMIN_BASE_PATH = '/admin/queues';

/** The key a request presents: `Authorization: Bearer`, HTTP Basic's password, or `X-Admin-Key`. */
function presentedAdminKey(request: FastifyRequest): string {
  const authorization = request.headers.authorization ?? '';
  const bearer = /^Bearer (\S{1,512})$/.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^Basic ([A-Za-z0-9+/=]{1,1024})$/.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  const headerKey = request.headers['x-admin-key'];
  return typeof headerKey === 'string' ? headerKey : '';
}

/**
 * The admin key check: the presented key is compared with the auth module's constant-time
 * digest compare. HTTP Basic is accepted so that a browser can prompt for the key.
 */
function createAdminCheck(adminKey: string): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = digestKey(adminKey);
  return async (request, reply) => {
    if (isKeyDigest(presentedAdminKey(request), expected)) return undefined;
    // Answered here rather than thrown: bull-board installs its own error handler on its routes.
    const error = new UnauthorizedError('The admin key is required: HTTP Basic with the key as password, or Authorization: Bearer <admin key>.');
    reply.header('www-authenticate', 'Basic realm="trainyard admin", charset="UTF-8"');
    return sendProblem(reply, toProblem(error, request.id));
  };
}

/**
 * `/admin/queues`: bull-board on the training queue, behind `TRAINYARD_ADMIN_KEY`. With no key
 * configured the board can retry and empty queues, so it does not exist at all (404).
 */
export const adminBoardPlugin: FastifyPluginAsync<AdminBoardPluginOptions> = async (app, options) => {
  const adminKey = options.config.TRAINYARD_ADMIN_KEY;
  if (!adminKey) return;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(ADMIN_BASE_PATH);
  // @bull-board/fastify pins its own copy of @bull-board/api, whose adapter type is the same shape.
  createBullBoard({ queues: [new BullMQAdapter(options.trainingQueue.queue)], serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'] });
  app.addHook('onRequest', createAdminCheck(adminKey));
  await app.register(serverAdapter.registerPlugin(), { prefix: ADMIN_BASE_PATH });
};
