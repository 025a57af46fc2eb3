import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { UnavailableError } from '../errors.js';

/** A seed node of a Redis Cluster. */
export interface ClusterNode {
  host: string;
  port: number;
}

/**
 * What the connection factories need from the configuration: `REDIS_URL` (one Redis) or
 * `REDIS_CLUSTER_NODES` (a Cluster's seed nodes, as parsed by the config or as the raw
 * `host:port,…` text), the API's command timeout, and the replica confirmations of
 * {@link confirmWrites}.
 */
export interface ConnectionConfig {
  REDIS_URL?: string | undefined;
  REDIS_COMMAND_TIMEOUT_MS: number;
  REDIS_CLUSTER_NODES?: string | readonly ClusterNode[] | undefined;
  REDIS_WAIT_REPLICAS?: number | undefined;
  REDIS_WAIT_TIMEOUT_MS?: number | undefined;
}

/**
 * A connection to Redis: one server, or a Cluster. ioredis's `Cluster` speaks the same command
 * API as `Redis` (each command goes to the master of its key's hash slot; MOVED, ASK and
 * failovers are followed), so every store, BullMQ and the pub/sub code take this one type. The
 * factories below are the only place that constructs one.
 */
export type RedisConnection = Redis;

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
 * The Cluster seed nodes of the configuration, or `undefined` for a single Redis.
 * @throws Error naming an entry that is not `host:port`.
 */
export function clusterNodesOf(config: ConnectionConfig): ClusterNode[] | undefined {
  const value = config.REDIS_CLUSTER_NODES;
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return undefined;
  if (typeof value !== 'string') return (value as readonly ClusterNode[]).map((node) => ({ host: node.host, port: node.port }));
  return value.split(',').map((entry) => {
    const match = /^\s*(\[[^\]]+\]|[^:\s]+):(\d{1,5})\s*$/.exec(entry);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65_535) throw new Error(`REDIS_CLUSTER_NODES: "${entry.trim()}" is not host:port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

/** True when the configuration names a Redis Cluster. */
export function isClusterConfig(config: ConnectionConfig): boolean {
  return clusterNodesOf(config) !== undefined;
}

/** `instanceof Cluster`, for code that must treat the two kinds differently (checks per master). */
export function isCluster(redis: RedisConnection): boolean {
  return (redis as unknown) instanceof Cluster;
}

function createConnection(config: ConnectionConfig, redisOptions: RedisOptions, clusterOptions: ClusterOptions): RedisConnection {
  const nodes = clusterNodesOf(config);
  if (!nodes) return new Redis(urlOf(config), { ...redisOptions, retryStrategy: reconnectForever });
  const { enableOfflineQueue, ...perNode } = redisOptions;
  const cluster = new Cluster(nodes, {
    ...clusterOptions,
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    redisOptions: perNode,
    // Seed nodes may all be down for a moment (a failover, a restart): keep trying, as for one Redis.
    clusterRetryStrategy: reconnectForever,
    // A failed master's slots move to its replica within cluster-node-timeout plus an election:
    // retry the command on the refreshed slot table rather than failing it at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2_000,
  });
  // Only the factories build clients; every caller types it as a Redis (same command API).
  return cluster as unknown as RedisConnection;
}

/**
 * A connection for the API (BullMQ producer and store reads/writes). It fails fast while Redis
 * is unreachable: no offline queue, one retry per request and a command timeout, so a request
 * gets a 503 at once instead of hanging. It still reconnects in the background.
 */
export function createProducerConnection(config: ConnectionConfig, name = 'trainyard-api'): RedisConnection {
  return createConnection(config, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    // Commands issued in the same tick (concurrent requests) go out in one write and come back
    // in one read: under load a status poll no longer costs a socket write of its own.
    enableAutoPipelining: true,
  }, {
    // A Cluster that is not ready yet (slots unknown) answers at once instead of queueing.
    enableReadyCheck: true,
    enableAutoPipelining: true,
  });
}

/**
 * A connection for a worker role (the BullMQ Worker, the worker's store writes, the cancel
 * subscriber). Commands wait for Redis instead of failing (`maxRetriesPerRequest: null`, offline
 * queue on), which BullMQ requires for its blocking commands, and it reconnects forever, so a
 * worker survives a Redis restart (or a Cluster failover) without a process restart.
 */
export function createWorkerConnection(config: ConnectionConfig, name = 'trainyard-worker'): RedisConnection {
  return trackDuplicates(createConnection(config, {
    connectionName: name,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
  }, {
    enableReadyCheck: true,
  }));
}

/**
 * How long a closing worker waits for its Redis clients to reconnect (a few of the longest
 * reconnect backoffs) before closing anyway.
 */
export const RECONNECT_WAIT_MS = 5_000;

/** The clients BullMQ made from a worker connection with `duplicate()` (its blocking clients). */
const duplicatesOf = new WeakMap<RedisConnection, RedisConnection[]>();

function trackDuplicates(connection: RedisConnection): RedisConnection {
  const made: RedisConnection[] = [];
  duplicatesOf.set(connection, made);
  const duplicate = connection.duplicate.bind(connection) as (...args: unknown[]) => RedisConnection;
  connection.duplicate = ((...args: unknown[]) => {
    const copy = trackDuplicates(duplicate(...args));
    made.splice(0, made.length, ...made.filter((c) => c.status !== 'end'), copy);
    return copy;
  }) as RedisConnection['duplicate'];
  return connection;
}

function withDuplicates(connection: RedisConnection): RedisConnection[] {
  return [connection, ...(duplicatesOf.get(connection) ?? []).flatMap(withDuplicates)];
}

/**
 * Waits until `connections`, and every client BullMQ made from them, are connected again (closed
 * ones aside), or `timeoutMs` passed. Closing a BullMQ Worker or QueueEvents waits for an `end`
 * event that an ioredis client between two reconnect attempts never emits (its `disconnect()`
 * only clears the timer), so a worker closes once Redis is back rather than hanging.
 * @returns whether they all reconnected in time.
 */
export async function waitUntilReconnected(connections: readonly RedisConnection[], timeoutMs: number): Promise<boolean> {
  const clients = connections.flatMap(withDuplicates);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (clients.every((c) => c.status === 'ready' || c.status === 'end')) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Closes a connection: `QUIT` when it is up (pending replies are delivered), else disconnects
 * at once so shutdown never waits for an unreachable Redis.
 */
export async function closeConnection(connection: RedisConnection): Promise<void> {
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
export async function evictionPolicyProblem(redis: RedisConnection): Promise<string | undefined> {
  // A Cluster: every master must refuse to evict (CONFIG GET would reach just one random node).
  const nodes = isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
  for (const node of nodes) {
    const reply = (await node.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy === undefined || policy === 'noeviction') continue;
    const where = nodes.length > 1 ? ` on ${node.options.host}:${node.options.port}` : '';
    return `maxmemory-policy is "${policy}"${where}; trainyard needs "noeviction" (CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf) so Redis never evicts jobs`;
  }
  return undefined;
}

/**
 * Refuses a Redis that may evict keys (see {@link evictionPolicyProblem}). When the policy
 * cannot be read (CONFIG disabled by an ACL), warns: the operator is then responsible for it.
 * @throws Error naming the setting to fix.
 */
export async function assertNoEviction(redis: RedisConnection, log: { warn(details: object, message: string): void }): Promise<void> {
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
 * A one-off connection that checks, at start, that Redis (or a Cluster's seed nodes) answers:
 * no retries, no offline queue, so an unreachable Redis fails within `timeoutMs`.
 */
export function createProbeConnection(config: ConnectionConfig, timeoutMs: number): RedisConnection {
  const nodes = clusterNodesOf(config);
  const probe = nodes
    ? (new Cluster(nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: () => null,
        slotsRefreshTimeout: timeoutMs,
        redisOptions: { connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
      }) as unknown as RedisConnection)
    : new Redis(urlOf(config), { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  probe.on('error', () => undefined);
  return probe;
}

/** The `{…}` hash tag of a key (what decides its Cluster slot), or the whole key without one. */
function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/**
 * Makes acknowledged writes survive the loss of their master, as far as Redis can: waits until
 * `REDIS_WAIT_REPLICAS` replicas have received every write this connection sent to the masters
 * that hold `keys` (one key per hash tag written, e.g. a job's record and the queue's `{ty}`
 * key), with `WAIT numreplicas timeout` on each of those masters. No-op when
 * `REDIS_WAIT_REPLICAS` is 0. Redis replication stays asynchronous: WAIT narrows the window in
 * which an acknowledged write can be lost in a failover; it is not consensus.
 * @throws UnavailableError (503 `unavailable`) when fewer replicas confirm within
 *   `REDIS_WAIT_TIMEOUT_MS` (@defaultValue 1000).
 */
export async function confirmWrites(redis: RedisConnection, config: ConnectionConfig, keys: readonly string[]): Promise<void> {
  const replicas = config.REDIS_WAIT_REPLICAS ?? 0;
  if (replicas <= 0 || keys.length === 0) return;
  const timeoutMs = config.REDIS_WAIT_TIMEOUT_MS ?? 1_000;
  // One Redis: one WAIT covers every write. A Cluster: one per hash tag (its master).
  const byTag = new Map<string, string>();
  for (const key of isCluster(redis) ? keys : keys.slice(0, 1)) byTag.set(hashTagOf(key), key);
  const confirmed = await Promise.all(
    [...byTag.values()].map(async (key) => {
      // WAIT has no key, so alone it would go to any node: in a pipeline it goes to the master of
      // the first command's key, on the connection that carried the writes (WAIT counts those).
      const replies = (await redis.pipeline().exists(key).wait(replicas, timeoutMs).exec()) ?? [];
      const [error, count] = replies[1] ?? [new Error('no reply to WAIT'), 0];
      if (error) throw error;
      return Number(count);
    }),
  );
  const fewest = Math.min(...confirmed);
  if (fewest < replicas) {
    throw new UnavailableError(`The write was not confirmed by ${replicas} Redis replica(s) within ${timeoutMs} ms (${fewest} did); retry shortly.`);
  }
}

/**
 * One round trip to Redis (a Cluster: to one of its nodes).
 * @throws when Redis does not answer, or answers something other than PONG.
 */
export async function pingRedis(redis: RedisConnection): Promise<void> {
  const answer = await redis.ping();
  if (answer !== 'PONG') throw new Error(`unexpected PING answer: ${String(answer)}`);
}
