#!/usr/bin/env node
/**
 * `trainyard`: the command line over the typed client. Exit codes: 0 done (a watched job
 * completed), 1 a watched job failed or a request failed, 2 usage (bad arguments or input
 * files), 3 a watched job was cancelled, 130 watching stopped by Ctrl-C (the job goes on).
 */
import { createReadStream, realpathSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createTrainyardClient, isTerminalStatus, ProblemError, type Job, type JobStatus, type JobSubmission, type TrainyardClient } from './index.js';
import { createBarView, createLineView, formatEta, type ProgressView } from './progress-view.js';

/** Exit codes of the CLI. */
export const EXIT = { completed: 0, failed: 1, usage: 2, cancelled: 3, interrupted: 130 } as const;

/** A problem with the command line or its input files (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where the CLI writes; injectable for tests. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

const DEFAULT_URL = 'http://127.0.0.1:3000';

function exitCodeOf(status: JobStatus): number {
  if (status === 'completed') return EXIT.completed;
  if (status === 'cancelled') return EXIT.cancelled;
  return EXIT.failed;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer ≥ 0');
  return n;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
}

/** Rows of numbers from CSV text; a first row with a non-number cell is a header and skipped. */
export function parseCsvRows(text: string, source: string): number[][] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const rows = lines.map((line) => line.split(',').map((cell) => cell.trim()));
  if (rows.length > 0 && rows[0].some((cell) => cell === '' || !Number.isFinite(Number(cell)))) rows.shift();
  return rows.map((row, i) => row.map((cell) => {
    const n = Number(cell);
    if (cell === '' || !Number.isFinite(n)) throw new UsageError(`${source}: row ${i + 1} has a cell that is not a number: ${JSON.stringify(cell)}`);
    return n;
  }));
}

/** Inputs of `predict`: a JSON `[[…]]` or `{ "inputs": [[…]] }`, or CSV rows. */
async function readInputs(path: string): Promise<{ inputs: number[][]; csv: boolean }> {
  if (extname(path).toLowerCase() === '.csv') return { inputs: parseCsvRows(await readText(path), path), csv: true };
  const value = await readJson(path);
  const inputs = Array.isArray(value) ? value : typeof value === 'object' && value !== null && 'inputs' in value ? value.inputs : undefined;
  if (!Array.isArray(inputs) || !inputs.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number'))) {
    throw new UsageError(`${path} must hold an array of rows of numbers, or { "inputs": [[…]] }`);
  }
  return { inputs, csv: false };
}

function describeJob(job: Job): string {
  const loss = job.latest.loss === null ? '' : ` loss ${job.latest.loss.toPrecision(4)}`;
  const error = job.error ? ` error ${job.error.code}: ${job.error.message}` : '';
  return `${job.id} ${job.status} epoch ${job.progress.epoch}/${job.progress.epochs}${loss}${error}`;
}

/**
 * Follows a job until it ends, with a progress bar on a terminal and plain lines otherwise;
 * prints the final status line and returns the exit code for it.
 */
async function watchJob(client: TrainyardClient, id: string, io: CliIo, options: { interval: number }): Promise<number> {
  const tty = io.stdout.isTTY === true;
  const view: ProgressView = tty ? createBarView(io.stdout) : createLineView((line) => io.stdout.write(`${line}\n`), options.interval);
  // Ctrl-C stops watching (the job keeps training) and leaves the terminal as it was: the bar
  // hides the cursor while it draws.
  const interrupted = new AbortController();
  const onSigint = (): void => interrupted.abort();
  process.once('SIGINT', onSigint);
  let job: Job;
  try {
    job = await client.wait(id, { onProgress: (p) => view.update(p), pollIntervalMs: options.interval, signal: interrupted.signal });
  } catch (error) {
    if (!interrupted.signal.aborted) throw error;
    view.stop();
    io.stderr.write(`stopped watching ${id}; it goes on (trainyard cancel ${id} stops it)\n`);
    return EXIT.interrupted;
  } finally {
    process.off('SIGINT', onSigint);
    view.stop();
  }
  const seconds = job.startedAt && job.finishedAt ? (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000 : null;
  io.stdout.write(`${describeJob(job)}${seconds === null ? '' : ` in ${formatEta(seconds)}`}\n`);
  return exitCodeOf(job.status);
}

/** What each command needs: where to write, the client for the global options, the exit code setter. */
interface CommandContext {
  io: CliIo;
  out(text: string): void;
  client(): TrainyardClient;
  interval(): number;
  setExitCode(code: number): void;
}

/** Builds the command tree; each action resolves with its exit code. */
export function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('trainyard');
  program
    .description('Train dense networks on a trainyard server: submit, watch, fetch results, predict, export.')
    .addOption(new Option('--url <url>', 'server URL').env('TRAINYARD_URL').default(DEFAULT_URL))
    .addOption(new Option('--key <key>', 'API key (Authorization: Bearer)').env('TRAINYARD_API_KEY'))
    .option('--interval <ms>', 'time between progress lines / status reads when watching', positiveInteger, 1000)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  const context: CommandContext = {
    io,
    setExitCode,
    out: (text) => {
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    client: () => {
      const { url, key } = program.opts<{ url: string; key?: string }>();
      return createTrainyardClient({ baseUrl: url, ...(key ? { apiKey: key } : {}) });
    },
    interval: () => program.opts<{ interval: number }>().interval,
  };
  addJobCommands(program, context);
  addModelCommands(program, context);
  addDataCommands(program, context);
  return program;
}

/** Submit, watch, status, list, cancel, pause, resume, fork, delete: a job's life. */
function addJobCommands(program: Command, context: CommandContext): void {
  const { io, out, client, interval, setExitCode } = context;
  program.command('submit')
    .description('submit a job from a JSON file (the body of POST /v1/jobs); prints its id')
    .argument('<job.json>')
    .option('-w, --watch', 'then follow it until it ends (exit code: 0 completed, 1 failed, 3 cancelled)')
    .option('--idempotency-key <key>', 'make a retried submit return the same job')
    .action(async (file: string, options: { watch?: boolean; idempotencyKey?: string }) => {
      const job: JobSubmission = await readJson(file) as JobSubmission;
      const accepted = await client().submit(job, options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {});
      out(options.watch ? `submitted ${accepted.id}` : accepted.id);
      if (options.watch) setExitCode(await watchJob(client(), accepted.id, io, { interval: interval() }));
    });

  program.command('watch')
    .description('follow a job until it ends: a progress bar on a terminal, a line per second otherwise')
    .argument('<id>')
    .action(async (id: string) => {
      setExitCode(await watchJob(client(), id, io, { interval: interval() }));
    });

  program.command('status')
    .description('a job\'s status (--json: the whole status document)')
    .argument('<id>')
    .option('--json', 'print the status as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const job = await client().status(id);
      out(options.json ? JSON.stringify(job, null, 2) : describeJob(job));
    });

  program.command('list')
    .description('your jobs, newest first')
    .addOption(new Option('--status <status>', 'only jobs with this status').choices(['queued', 'running', 'paused', 'completed', 'failed', 'cancelled']))
    .option('--limit <n>', 'at most this many', positiveInteger, 20)
    .option('--json', 'print the page as JSON')
    .action(async (options: { status?: JobStatus; limit: number; json?: boolean }) => {
      const page = await client().list({ limit: options.limit, ...(options.status ? { status: options.status } : {}) });
      if (options.json) return out(JSON.stringify(page, null, 2));
      for (const job of page.items) out(`${job.id}  ${job.status.padEnd(9)}  ${String(job.progress.epoch).padStart(6)}/${String(job.progress.epochs).padEnd(6)}  ${job.name}`);
    });

  program.command('cancel')
    .description('cancel a job (queued: at once; running: at its next batch)')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await client().cancel(id);
      out(`${job.id} ${isTerminalStatus(job.status) ? job.status : 'cancel requested'}`);
    });

  program.command('pause')
    .description('pause a job (a running one checkpoints after its next batch and frees its thread)')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await client().pause(id);
      out(`${job.id} ${job.status === 'running' ? 'pause requested' : job.status}`);
    });

  program.command('resume')
    .description('queue a paused job again; it continues from its checkpoint')
    .argument('<id>')
    .action(async (id: string) => {
      const job = await client().resume(id);
      out(`${job.id} ${job.status}`);
    });

  program.command('fork')
    .description('a new job starting from this one\'s weights and optimizer state; prints its id')
    .argument('<id>')
    .option('--epochs <n>', 'epochs to train after the fork point', positiveInteger)
    .option('--learning-rate <lr>', 'a new learning rate', (v) => {
      const n = Number(v);
      if (!(n > 0)) throw new InvalidArgumentError('must be a positive number');
      return n;
    })
    .option('--name <name>', 'the new job\'s name')
    .option('-w, --watch', 'then follow the new job until it ends')
    .action(async (id: string, options: { epochs?: number; learningRate?: number; name?: string; watch?: boolean }) => {
      const accepted = await client().fork(id, {
        ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
        ...(options.learningRate === undefined ? {} : { optimizer: { learningRate: options.learningRate } }),
        ...(options.name === undefined ? {} : { name: options.name }),
      });
      out(options.watch ? `forked ${accepted.id}` : accepted.id);
      if (options.watch) setExitCode(await watchJob(client(), accepted.id, io, { interval: interval() }));
    });

  program.command('delete')
    .description('delete a job with its curve, result and checkpoints')
    .argument('<id>')
    .action(async (id: string) => {
      await client().delete(id);
      out(`deleted ${id}`);
    });
}

/** Curve, result, predict, export: what a trained job gives. */
function addModelCommands(program: Command, context: CommandContext): void {
  const { out, client } = context;
  program.command('curve')
    .description('the loss curve: JSON points, or CSV with --csv')
    .argument('<id>')
    .option('--csv', 'epoch,loss,valLoss,accuracy,valAccuracy,elapsedMs rows')
    .option('--since <epoch>', 'only points after this epoch', nonNegativeInteger, 0)
    .action(async (id: string, options: { csv?: boolean; since: number }) => {
      const curve = await client().curve(id, { since: options.since });
      if (!options.csv) return out(JSON.stringify(curve.points));
      const cell = (v: number | undefined): string => (v === undefined ? '' : String(v));
      const lines = ['epoch,loss,valLoss,accuracy,valAccuracy,elapsedMs'];
      for (const p of curve.points) lines.push([p.epoch, cell(p.loss), cell(p.valLoss), cell(p.accuracy), cell(p.valAccuracy), p.elapsedMs].join(','));
      out(lines.join('\n'));
    });

  program.command('result')
    .description('the trained model as JSON ({ jobId, model, weights, metrics, seed })')
    .argument('<id>')
    .option('-o, --output <file>', 'write it to this file instead of stdout')
    .action(async (id: string, options: { output?: string }) => {
      const result = await client().result(id);
      const text = `${JSON.stringify(result, null, 2)}\n`;
      if (!options.output) return out(text);
      await writeFile(options.output, text);
      out(`wrote ${options.output}`);
    });

  program.command('predict')
    .description('run the trained model on inputs (JSON [[…]] or { inputs }, or CSV rows); prints outputs in the same format')
    .argument('<id>')
    .argument('<inputs>', 'inputs.json or inputs.csv')
    .action(async (id: string, file: string) => {
      const { inputs, csv } = await readInputs(file);
      const outputs = await client().predict(id, inputs);
      out(csv ? outputs.map((row) => row.join(',')).join('\n') : JSON.stringify(outputs));
    });

  program.command('export')
    .description('download the trained model for onnxruntime (model.onnx) or TensorFlow.js (model.json + weights)')
    .argument('<id>')
    .addOption(new Option('--format <format>', 'onnx or tfjs').choices(['onnx', 'tfjs']).makeOptionMandatory())
    .requiredOption('-o, --output <dir>', 'directory to write into (created if missing)')
    .action(async (id: string, options: { format: 'onnx' | 'tfjs'; output: string }) => {
      await mkdir(options.output, { recursive: true });
      if (options.format === 'onnx') {
        const path = join(options.output, 'model.onnx');
        await writeFile(path, await client().exportOnnx(id));
        return out(`wrote ${path}`);
      }
      const { modelJson, weightFiles } = await client().exportTfjs(id);
      const written = [join(options.output, 'model.json')];
      await writeFile(written[0], JSON.stringify(modelJson));
      for (const file of weightFiles) {
        const path = join(options.output, file.name);
        await writeFile(path, file.bytes);
        written.push(path);
      }
      out(written.map((path) => `wrote ${path}`).join('\n'));
    });
}

/** Upload: datasets. */
function addDataCommands(program: Command, context: CommandContext): void {
  const { out, client } = context;
  program.command('upload')
    .description('upload a dataset (CSV with a header row, streamed; or JSON { inputs, targets }); prints its id')
    .argument('<file>', 'data.csv or data.json')
    .option('--target-columns <n>', 'CSV: how many of the last columns are targets', positiveInteger, 1)
    .action(async (file: string, options: { targetColumns: number }) => {
      const api = client();
      let dataset;
      if (extname(file).toLowerCase() === '.json') {
        const value = await readJson(file);
        if (typeof value !== 'object' || value === null || !('inputs' in value) || !('targets' in value)) throw new UsageError(`${file} must hold { "inputs": [[…]], "targets": [[…]] }`);
        dataset = await api.upload({ inputs: value.inputs as number[][], targets: value.targets as number[][] });
      } else {
        await stat(file).catch((error: NodeJS.ErrnoException) => {
          throw new UsageError(`cannot read ${file}: ${error.code ?? String(error)}`);
        });
        dataset = await api.upload({ csv: createReadStream(file), targetColumns: options.targetColumns });
      }
      out(`${dataset.id} (${dataset.samples} samples, ${dataset.inputSize} inputs, ${dataset.outputSize} outputs)`);
    });
}

/** Runs the CLI on `argv` (as process.argv: node, script, …) and resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.completed;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof ProblemError) {
      io.stderr.write(`error: ${error.code}${error.status ? ` (${error.status})` : ''}: ${error.detail}\n`);
      for (const field of error.errors ?? []) io.stderr.write(`  ${field.path}: ${field.message}\n`);
      return EXIT.failed;
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

// Run when executed (`npx trainyard`, a bin symlink, `node dist/client/cli.js`), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.exitCode = await runCli(process.argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
}
