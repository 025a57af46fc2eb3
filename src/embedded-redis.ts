import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { resolve } from 'node:path';

/** Options for {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Directory for the AOF and the log. Created when missing. */
  dir: string;
  /** TCP port; `0` picks a free loopback port. @defaultValue 0 */
  port?: number;
  /** Extra `redis-server` arguments, e.g. `['--enable-debug-command', 'local']`. */
  extraArgs?: string[];
  /** AOF persistence. @defaultValue true */
  appendOnly?: boolean;
  /** Executable to run. @defaultValue 'redis-server' (from PATH) */
  executable?: string;
  /** Milliseconds to wait for the server to answer PING. @defaultValue 10000 */
  startTimeoutMs?: number;
  /**
   * Own process group, so a terminal's Ctrl-C (sent to the whole foreground group) does not stop
   * Redis before its parent has checkpointed and handed back its jobs. @defaultValue false
   */
  detached?: boolean;
}

/** A running `redis-server` child process. */
export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The current child's pid (changes after {@link RedisServerHandle.restart}). */
  pid(): number | undefined;
  /** Sends a signal to the server process (e.g. `SIGKILL`, `SIGSTOP`, `SIGCONT`). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the server again on the same port and directory (after a stop or a kill). */
  restart(): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Thrown when `redis-server` cannot be run or does not come up. */
export class RedisServerStartError extends Error {
  override readonly name = 'RedisServerStartError';
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolvePing) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answered = false;
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      answered = data.toString().startsWith('+PONG');
      socket.destroy();
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('close', () => resolvePing(answered));
  });
}

/**
 * Starts a private `redis-server` on a loopback port, with AOF (`appendfsync everysec`) and
 * `maxmemory-policy noeviction`, as trainyard's `npm start` and the test setup need it.
 * @throws RedisServerStartError when the executable is missing or the server does not answer.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerHandle> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const port = options.port && options.port > 0 ? options.port : await findFreePort();
  const executable = options.executable ?? 'redis-server';
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', options.appendOnly === false ? 'no' : 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--protected-mode', 'yes',
    '--logfile', 'redis.log',
    ...(options.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn(executable, args, { stdio: 'ignore', detached: options.detached ?? false });
    child = proc;
    let spawnError: Error | undefined;
    exited = new Promise((done) => {
      proc.once('exit', () => done());
      proc.once('error', (err) => {
        spawnError = err;
        done();
      });
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (spawnError) {
        throw new RedisServerStartError(
          `cannot run ${executable} (${(spawnError as NodeJS.ErrnoException).code ?? spawnError.message}): ` +
            'install it (Debian/Ubuntu: apt-get install redis-server) or set REDIS_URL',
        );
      }
      if (proc.exitCode !== null) break;
      if (await ping(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    throw new RedisServerStartError(`redis-server did not answer on port ${port}; see ${dir}/redis.log`);
  };

  await launch();

  const handle: RedisServerHandle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    signal: (signal) => {
      child?.kill(signal);
    },
    restart: async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      await launch();
    },
    stop: async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const proc = child;
      proc.kill('SIGCONT');
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return handle;
}
