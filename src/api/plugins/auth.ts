import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { UnauthorizedError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant (`default` when auth is off); set by the `/v1` auth hook. */
    tenant: string;
  }
}

/** The tenant every request belongs to when `TRAINYARD_API_KEYS` is unset. */
export const DEFAULT_TENANT = 'default';

/** An `onRequest` hook that sets `request.tenant` or throws 401. */
export type Authenticate = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Builds the authentication hook from `config.apiKeys`. Keys are kept only as SHA-256 digests
 * and a presented key is compared with every one of them with `timingSafeEqual` (equal-length
 * digests, so neither the key's length nor which tenant matched shows in the timing). Every
 * failure answers the same 401 body. With auth off every request is tenant `default`.
 */
export function createAuthenticate(config: Pick<Config, 'apiKeys' | 'authEnabled'>): Authenticate {
  const entries = config.apiKeys.map(({ tenant, key }) => ({ tenant, digest: digest(key) }));
  if (!config.authEnabled) {
    return async (request) => {
      request.tenant = DEFAULT_TENANT;
    };
  }
  return async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    // Hash even a missing key, so every failure takes the same path.
    const presented = digest(match ? match[1] : '');
    let tenant: string | null = null;
    for (const entry of entries) {
      if (timingSafeEqual(presented, entry.digest) && match) tenant = entry.tenant;
    }
    if (tenant === null) throw new UnauthorizedError();
    request.tenant = tenant;
  };
}
