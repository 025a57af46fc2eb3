import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

/** What the connection factories need from the configuration. */
export type ConnectionConfig = Pick<Config, 'REDIS_URL' | 'REDIS_COMMAND_TIMEOUT_MS'>;

/** The Redis URL used when `REDIS_URL` is unset (only `npm start` replaces it with its own server). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Reconnect forever with a capped exponential delay: 50 ms, 100 ms … 2 s.
 * Returning a number (never `null`) keeps ioredis reconnecting after Redis restarts.
 */
function reconnectForever(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 6), 2_000);
}

function urlOf(config: ConnectionConfig): string {
  return config.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/**
 * A connection for the API (BullMQ producer and store reads/writes). It fails fast while Redis
 * is unreachable: no offline queue, one retry per request and a command timeout, so a request
 * gets a 503 at once instead of hanging. It still reconnects in the background.
 */
export function createProducerConnection(config: ConnectionConfig, name = 'trainyard-api'): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: reconnectForever,
    // Commands issued in the same tick (concurrent requests) go out in one write and come back
    // in one read: under load a status poll no longer costs a socket write of its own.
    enableAutoPipelining: true,
  };
  return new Redis(urlOf(config), options);
}

/**
 * A connection for a worker role (the BullMQ Worker, the worker's store writes, the cancel
 * subscriber). Commands wait for Redis instead of failing (`maxRetriesPerRequest: null`, offline
 * queue on), which BullMQ requires for its blocking commands, and it reconnects forever, so a
 * worker survives a Redis restart without a process restart.
 */
export function createWorkerConnection(config: ConnectionConfig, name = 'trainyard-worker'): Redis {
  const options: RedisOptions = {
    connectionName: name,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: reconnectForever,
  };
  return new Redis(urlOf(config), options);
}

/**
 * Closes a connection: `QUIT` when it is up (pending replies are delivered), else disconnects
 * at once so shutdown never waits for an unreachable Redis.
 */
export async function closeConnection(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    try {
      await connection.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  connection.disconnect();
}

/**
 * Why this Redis may lose trainyard's keys, or `undefined` when its `maxmemory-policy` is
 * `noeviction`. With any other policy Redis could silently drop job records, checkpoints or
 * BullMQ's own keys under memory pressure. The one owner of this rule: the worker refuses to
 * start on it and the API's `/readyz` reports it.
 * @throws when `CONFIG GET` is refused (an ACL) or Redis does not answer.
 */
export async function evictionPolicyProblem(redis: Redis): Promise<string | undefined> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1];
  if (policy === undefined || policy === 'noeviction') return undefined;
  return `maxmemory-policy is "${policy}"; trainyard needs "noeviction" (CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf) so Redis never evicts jobs`;
}

/**
 * Refuses a Redis that may evict keys (see {@link evictionPolicyProblem}). When the policy
 * cannot be read (CONFIG disabled by an ACL), warns: the operator is then responsible for it.
 * @throws Error naming the setting to fix.
 */
export async function assertNoEviction(redis: Redis, log: { warn(details: object, message: string): void }): Promise<void> {
  let problem: string | undefined;
  try {
    problem = await evictionPolicyProblem(redis);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot read maxmemory-policy; make sure Redis runs with maxmemory-policy noeviction');
    return;
  }
  if (problem) throw new Error(`Redis ${problem}`);
}

/**
 * A one-off connection that checks, at start, that a Redis answers: no retries, no offline
 * queue, so an unreachable Redis fails within `timeoutMs`.
 */
export function createProbeConnection(config: ConnectionConfig, timeoutMs: number): Redis {
  const probe = new Redis(urlOf(config), { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => undefined);
  return probe;
}

/**
 * One round trip to Redis (a Cluster: to one of its nodes).
 * @throws when Redis does not answer, or answers something other than PONG.
 */
export async function pingRedis(redis: Redis): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${String(answer)}`);
}
