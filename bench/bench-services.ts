/**
 * The child processes of the service benchmarks (`bench:api`, `bench:service`): a TypeScript
 * entry run as `node --import tsx <entry>` (as the test helpers and npm scripts do), its output
 * in a log file, and a wait for a line of that log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A benchmark's child process. */
export interface BenchService {
  name: string;
  child: ChildProcess;
  logFile: string;
  log(): string;
  /** SIGTERM, SIGKILL after 15 s; leaves `running`. */
  stop(): Promise<void>;
}

/** Where services log, and the ones running (each joins at start and leaves at stop). */
export interface ServiceGroup {
  dir: string;
  running: BenchService[];
}

/**
 * Starts `entry` in `group` with `env` on top of this process's. `cpu` pins it with `taskset -c`;
 * `nodeArgs` go before the entry (e.g. `--cpu-prof`).
 */
export function startService(group: ServiceGroup, name: string, entry: string, env: Record<string, string>, options: { nodeArgs?: string[]; cpu?: string } = {}): BenchService {
  const logFile = join(group.dir, `${name}-${group.running.length}.log`);
  const fd = openSync(logFile, 'w');
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx', entry];
  const [command, argv] = options.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', options.cpu, process.execPath, ...nodeArgs]];
  const child = spawn(command, argv, { cwd: REPO_ROOT, env: { ...process.env, LOG_PRETTY: 'false', ...env }, stdio: ['ignore', fd, fd] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: BenchService = {
    name,
    child,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }
      const at = group.running.indexOf(service);
      if (at >= 0) group.running.splice(at, 1);
    },
  };
  group.running.push(service);
  return service;
}

/** Waits until `service`'s log matches `pattern`. @throws when it exits first or `timeoutMs` passes */
export async function waitForLog(service: BenchService, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(service.log())) {
    if (service.child.exitCode !== null || Date.now() > deadline) throw new Error(`${service.name} did not print ${pattern}:\n${service.log().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
