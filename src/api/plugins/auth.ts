import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { parseTenantKeys, type Config } from '../../config.js';
import { UnauthorizedError } from '../../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant (`default` when auth is off); set by the `/v1` auth hook. */
    tenant: string;
  }
}

/** The tenant every request belongs to when no API keys are configured. */
export const DEFAULT_TENANT = 'default';

/** How often `TRAINYARD_API_KEYS_FILE` is checked for changes: a removed key stops working within this. */
export const KEYS_FILE_POLL_MS = 10_000;

/** An `onRequest` hook that sets `request.tenant` or throws 401; `close()` stops watching the keys file. */
export type Authenticate = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & { close?: () => void };

interface KeyEntry {
  tenant: string;
  digest: Buffer;
}

/** The SHA-256 digest a key is kept and compared as. */
export function digestKey(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `true` when `presented` is the key whose digest is `expected`: compared in constant time on
 * SHA-256 digests, which have equal lengths whatever was sent. An empty key never matches.
 */
export function isKeyDigest(presented: string, expected: Buffer): boolean {
  return timingSafeEqual(digestKey(presented), expected) && presented !== '';
}

/**
 * Parses a keys file with the config's one `tenant:key` parser; only digests are kept.
 * @throws Error naming the bad entries by number (never echoing key material).
 */
function parseKeysFile(text: string): KeyEntry[] {
  const { entries, problems } = parseTenantKeys(text, 'TRAINYARD_API_KEYS_FILE');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return entries.map(({ tenant, key }) => ({ tenant, digest: digestKey(key) }));
}

/**
 * Builds the authentication hook from `TRAINYARD_API_KEYS` (and `TRAINYARD_API_KEYS_FILE`,
 * re-read when it changes, so a removed key is refused within {@link KEYS_FILE_POLL_MS}). Keys
 * are kept only as SHA-256 digests and a presented key is compared with every one of them with
 * `timingSafeEqual` (equal-length digests, so neither the key's length nor which tenant matched
 * shows in the timing). Every failure answers the same 401 body. With no keys configured every
 * request is tenant `default`.
 * @param options.pollMs how often the keys file is checked. @defaultValue {@link KEYS_FILE_POLL_MS}
 * @throws Error when the keys file cannot be read or parsed at start.
 */
export function createAuthenticate(
  config: Pick<Config, 'apiKeys' | 'authEnabled' | 'TRAINYARD_API_KEYS_FILE'>,
  log?: Pick<Logger, 'warn' | 'info'>,
  options: { pollMs?: number } = {},
): Authenticate {
  if (!config.authEnabled) {
    return async (request) => {
      request.tenant = DEFAULT_TENANT;
    };
  }
  const fromEnv: KeyEntry[] = config.apiKeys.map(({ tenant, key }) => ({ tenant, digest: digestKey(key) }));
  let entries = fromEnv;
  let timer: NodeJS.Timeout | undefined;
  const file = config.TRAINYARD_API_KEYS_FILE;
  if (file) {
    let stamp = '';
    const load = (initial: boolean): void => {
      try {
        const stat = statSync(file);
        const next = `${stat.mtimeMs}:${stat.size}`;
        if (next === stamp) return;
        entries = [...fromEnv, ...parseKeysFile(readFileSync(file, 'utf8'))];
        stamp = next;
        if (!initial) log?.info({ keys: entries.length }, 'api keys reloaded');
      } catch (error) {
        if (initial) throw error;
        log?.warn({ err: { message: (error as Error).message } }, 'api keys file unreadable; keeping the previous keys');
      }
    };
    load(true);
    timer = setInterval(() => load(false), options.pollMs ?? KEYS_FILE_POLL_MS);
    timer.unref();
  }
  const authenticate: Authenticate = async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    // Hash even a missing key, so every failure takes the same path.
    const presented = digestKey(match ? match[1] : '');
    let tenant: string | null = null;
    for (const entry of entries) {
      if (timingSafeEqual(presented, entry.digest) && match) tenant = entry.tenant;
    }
    // The error handler adds the `WWW-Authenticate: Bearer` challenge.
    if (tenant === null) throw new UnauthorizedError();
    request.tenant = tenant;
  };
  authenticate.close = () => clearInterval(timer);
  return authenticate;
}
