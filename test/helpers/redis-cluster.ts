import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../src/embedded-redis.js';

const run = promisify(execFile);

/** One redis-server of the test cluster. */
export interface ClusterMember {
  readonly port: number;
  readonly server: RedisServerHandle;
}

/** A real Redis Cluster of 3 masters and 3 replicas on loopback, for tests. */
export interface TestRedisCluster {
  readonly members: readonly ClusterMember[];
  /** `REDIS_CLUSTER_NODES` for it: every member as host:port. */
  readonly nodesEnv: string;
  /** A plain connection to one member (the test's own admin commands). */
  admin(port: number): Redis;
  /** `CLUSTER KEYSLOT key`. */
  keySlot(key: string): Promise<number>;
  /** The port of the master serving `slot` now (it changes after a failover). */
  masterOfSlot(slot: number): Promise<number>;
  /** The ports of the replicas of the master on `port`. */
  replicasOf(port: number): Promise<number[]>;
  /** Every current master's port. */
  masters(): Promise<number[]>;
  /** Waits until every live member reports cluster_state:ok and all 16384 slots are served by live masters. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every member and removes their directories. */
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`redis cluster: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts 6 `redis-server` processes (`cluster-enabled yes`, `cluster-node-timeout`
 * 1000 ms, AOF on, noeviction) on free loopback ports and forms a cluster of 3 masters with one
 * replica each with `redis-cli --cluster create … --cluster-replicas 1`.
 */
export async function startTestRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<TestRedisCluster> {
  const root = mkdtempSync(join(tmpdir(), 'trainyard-cluster-'));
  const members: ClusterMember[] = [];
  const admins = new Map<number, Redis>();
  try {
    const started = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        startRedisServer({
          dir: join(root, `node-${i}`),
          extraArgs: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1_000),
            // A replica with stale data may still take over (the test kills masters on purpose).
            '--cluster-replica-validity-factor', '0',
            '--enable-debug-command', 'local',
          ],
        }),
      ),
    );
    for (const server of started) members.push({ port: server.port, server });
    const addresses = members.map((m) => `127.0.0.1:${m.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
  } catch (err) {
    await Promise.all(members.map((m) => m.server.stop()));
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  const admin = (port: number): Redis => {
    let connection = admins.get(port);
    if (!connection) {
      connection = new Redis({ host: '127.0.0.1', port, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
      connection.on('error', () => undefined);
      admins.set(port, connection);
    }
    return connection;
  };
  const alive = (m: ClusterMember): boolean => m.server.pid() !== undefined && isRunning(m.server.pid()!);
  const anyAlive = (): Redis => {
    const member = members.find(alive);
    if (!member) throw new Error('redis cluster: no member is running');
    return admin(member.port);
  };
  const slotTable = async (): Promise<Array<[number, number, number, number[]]>> => {
    const slots = (await anyAlive().call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string], ...Array<[string, number, string]>]>;
    return slots.map(([from, to, master, ...replicas]) => [from, to, Number(master[1]), replicas.map((r) => Number(r[1]))]);
  };

  const cluster: TestRedisCluster = {
    members,
    nodesEnv: members.map((m) => `127.0.0.1:${m.port}`).join(','),
    admin,
    async keySlot(key) {
      return Number(await anyAlive().call('CLUSTER', 'KEYSLOT', key));
    },
    async masterOfSlot(slot) {
      const row = (await slotTable()).find(([from, to]) => slot >= from && slot <= to);
      if (!row) throw new Error(`redis cluster: slot ${slot} is not served`);
      return row[2];
    },
    async replicasOf(port) {
      const rows = (await slotTable()).filter((row) => row[2] === port);
      return [...new Set(rows.flatMap((row) => row[3]))];
    },
    async masters() {
      return [...new Set((await slotTable()).map((row) => row[2]))];
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor('cluster_state:ok on every live member', async () => {
        const livePorts = new Set(members.filter(alive).map((m) => m.port));
        for (const member of members.filter(alive)) {
          const info = String(await admin(member.port).call('CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return false;
          // Right after a kill every member still reports ok (the failure is not detected yet):
          // healthy means every slot is served by a live master.
          const slots = (await admin(member.port).call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, string]]>;
          if (slots.some(([, , master]) => !livePorts.has(Number(master[1])))) return false;
        }
        return true;
      }, timeoutMs);
    },
    async stop() {
      for (const connection of admins.values()) connection.disconnect();
      await Promise.all(members.map((m) => m.server.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  await cluster.waitHealthy(60_000);
  // Replicas show in CLUSTER SLOTS once they have synced with their master.
  await waitFor('a replica for every master', async () => (await slotTable()).every((row) => row[3].length >= 1), 60_000);
  return cluster;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
