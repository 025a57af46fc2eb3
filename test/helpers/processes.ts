import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json is). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A trainyard process started by a test. */
export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Parsed JSON log lines of stdout so far (non-JSON lines are skipped). */
  logLines(): Record<string, unknown>[];
  /** Resolves with the first log line (or output chunk) matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal (`SIGKILL`, `SIGTERM`, `SIGSTOP`, `SIGCONT`). */
  signal(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** Environment added to the test process's own. */
  env?: Record<string, string>;
  /** Echo the child's output to this process's stderr (debugging). */
  echo?: boolean;
}

/**
 * Starts a TypeScript entry point of the repository (`src/main.ts`, `workers/main.ts`,
 * `src/api/server.ts`) as a child process through tsx, the way the npm scripts do, without
 * npm's own startup time.
 */
export function startService(name: string, entry: string, options: StartServiceOptions = {}): ServiceProcess {
  return spawnService(name, process.execPath, ['--import', 'tsx', entry], options);
}

/**
 * Runs `npm <args>` (e.g. `['start']`) in the repository, exactly as a user or a supervisor
 * would: the test then holds the npm process, not the service under it. Variables set to `''`
 * in `options.env` are removed from the child's environment (npm start with REDIS_URL unset).
 */
export function startNpm(name: string, args: string[], options: StartServiceOptions = {}): ServiceProcess {
  return spawnService(name, process.platform === 'win32' ? 'npm.cmd' : 'npm', args, options, { unsetEmpty: true });
}

function spawnService(name: string, command: string, args: string[], options: StartServiceOptions, how: { unsetEmpty?: boolean } = {}): ServiceProcess {
  const env: Record<string, string | undefined> = { ...process.env, LOG_PRETTY: 'false', ...options.env };
  if (how.unsetEmpty) for (const [key, value] of Object.entries(env)) if (value === '') delete env[key];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const onData = (chunk: Buffer): void => {
    const added = chunk.toString();
    text += added;
    if (options.echo || process.env.ECHO_SERVICES) process.stderr.write(`[${name}] ${added}`);
    for (const waiter of [...waiters]) {
      const line = text.split('\n').find((l) => waiter.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<ExitInfo>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });

  const service: ServiceProcess = {
    name,
    child,
    pid: child.pid!,
    output: () => text,
    logLines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    waitForOutput(pattern, timeoutMs = 20_000) {
      const line = text.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no output matching ${pattern} within ${timeoutMs} ms:\n${text.slice(-3000)}`)), timeoutMs);
        const waiter = {
          pattern,
          resolve: (l: string) => {
            clearTimeout(timer);
            resolveLine(l);
          },
        };
        waiters.push(waiter);
        void exited.then((info) => {
          if (waiters.includes(waiter)) {
            clearTimeout(timer);
            reject(new Error(`${name} exited (${info.code ?? info.signal}) before printing ${pattern}:\n${text.slice(-3000)}`));
          }
        });
      });
    },
    signal(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const info = await exited;
      clearTimeout(timer);
      return info;
    },
  };
  return service;
}

/** Starts `npm run worker`'s entry with `env`. */
export function startWorkerProcess(env: Record<string, string>, options: Omit<StartServiceOptions, 'env'> = {}): ServiceProcess {
  return startService('worker', 'workers/main.ts', { ...options, env });
}

/** Starts `npm run api`'s entry with `env`. */
export function startApiProcess(env: Record<string, string>, options: Omit<StartServiceOptions, 'env'> = {}): ServiceProcess {
  return startService('api', 'src/api/server.ts', { ...options, env });
}

/** Starts `npm start`'s entry (API + worker, own Redis unless REDIS_URL) with `env`. */
export function startAllInOne(env: Record<string, string>, options: Omit<StartServiceOptions, 'env'> = {}): ServiceProcess {
  return startService('trainyard', 'src/main.ts', { ...options, env });
}

/** Stops every given process (in parallel), ignoring ones that already exited. */
export async function stopAll(processes: readonly (ServiceProcess | undefined)[], graceMs = 10_000): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop(graceMs)));
}
