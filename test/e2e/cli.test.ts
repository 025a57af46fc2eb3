/**
 * The trainyard CLI end to end, compiled as `npm run build` compiles it (dist/client/cli.js, the
 * package's bin) against a real server and worker: the README's "Use it from a shell" session as
 * written (npx trainyard, stdout piped), the progress bar in a pseudo-terminal (util-linux
 * `script`), plain lines when piped, and every exit code.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.js';
import { createScratchDir, readmeBlock, run, startTrainyard, type RunningTrainyard } from './cli-harness.js';

/** Real processes on a shared 2-core machine: generous per-test limits (nothing asserts on time). */
const E2E_TIMEOUT_MS = 240_000;

const CLI = join(REPO_ROOT, 'dist', 'client', 'cli.js');
const PROGRESS_LINE = /^epoch \d+\/\d+ \(\d+%\) loss \S+ samples\/s \S+ eta \S+ \[\w+\]$/;

let trainyard: RunningTrainyard;
const scratch = createScratchDir('cli');

/** A job that trains for about a minute here (150 samples × 100,000 epochs). */
const IRIS_LONG = JSON.stringify({
  name: 'iris, long', model: { inputSize: 4, layers: [{ units: 32, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
  loss: 'cross_entropy', training: { epochs: 100_000, batchSize: 16, seed: 1 }, data: { builtin: 'iris' },
});

function xorJob(epochs: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'xor cli test',
    model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    optimizer: { type: 'adam', learningRate: 0.05 },
    training: { epochs, batchSize: 4, seed: 3 },
    data: { builtin: 'xor' },
    ...extra,
  });
}

/** Writes `text` to a file in the scratch folder; returns its path. */
function scratchFile(name: string, text: string): string {
  const path = join(scratch.dir, name);
  writeFileSync(path, text);
  return path;
}

/** `node dist/client/cli.js …` with stdout piped. */
function cli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [CLI, ...args], { cwd: scratch.dir, env: { TRAINYARD_URL: trainyard.url, ...env } });
}

/** The CLI in a pseudo-terminal: util-linux `script` gives it a tty for stdout and returns its exit code. */
function cliInTerminal(args: string[]) {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return run('script', ['-qefc', command, '/dev/null'], { cwd: scratch.dir, env: { TRAINYARD_URL: trainyard.url, COLUMNS: '160' } });
}

beforeAll(async () => {
  // The bin as `npm run build` writes it (client/tsconfig.build.json compiles only the client).
  const build = await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'client/tsconfig.build.json']);
  expect(build.stdout).toBe('');
  // Executable, as the last step of `npm run build` (scripts/copy-assets.mjs) leaves it.
  chmodSync(join(REPO_ROOT, 'dist/client/cli.js'), 0o755);
  trainyard = await startTrainyard();
}, 180_000);

afterAll(async () => {
  await trainyard?.stop();
  scratch.remove();
});

describe('README "Use it from a shell"', { timeout: E2E_TIMEOUT_MS }, () => {
  it('runs as written with npx trainyard: upload, submit, watch, curve, predict, export, list', async () => {
    const session = readmeBlock('Use it from a shell', 'sh');

    const outcome = await run('bash', ['-euo', 'pipefail', '-c', session], { cwd: scratch.dir, env: { TRAINYARD_URL: trainyard.url }, timeoutMs: 230_000 });

    expect(outcome.stderr.replace(/^npm warn .*\n/gm, '')).toBe('');
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.trim().split('\n');
    expect(lines.filter((line) => PROGRESS_LINE.test(line)).length).toBeGreaterThan(0);
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f-]{36} completed epoch 1000\/1000 loss \S+ in \S+$/));
    expect(lines).toContainEqual(expect.stringMatching(/^1000,[0-9.e-]+,,,,\d+$/));
    const predictions = lines.filter((line) => /^[0-9.e-]+$/.test(line)).map(Number);
    expect(predictions.map(Math.round)).toEqual([0, 1]);
    for (const file of ['xor.csv', 'job.json', 'inputs.csv', 'model/model.onnx', 'model/model.json', 'model/group1-shard1of1.bin']) {
      expect(existsSync(join(scratch.dir, file))).toBe(true);
    }
    expect(lines).toContainEqual(expect.stringMatching(/^[0-9a-f-]{36} {2}completed {2}\s*1000\/1000\s+xor from a shell$/));
  });
});

describe('trainyard watch', { timeout: E2E_TIMEOUT_MS }, () => {
  it('draws a progress bar (epoch, loss, samples/s, ETA) redrawn in place in a terminal, exit 0 when completed', async () => {
    const id = (await cli(['submit', scratchFile('bar.json', xorJob(20_000))])).stdout.trim();

    const outcome = await cliInTerminal(['watch', id]);

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('\u2588');
    expect(outcome.stdout).toMatch(/100% \| epoch 20000\/20000 \| loss \S+ \| \S+ samples\/s \| ETA \S+ \| completed/);
    // cli-progress redraws the same line: cursor to column 1 and erase, not new lines.
    expect(outcome.stdout).toContain('\u001b[1G');
    expect(outcome.stdout).not.toMatch(PROGRESS_LINE);
    expect(outcome.stdout).toMatch(new RegExp(`${id} completed epoch 20000/20000`));
  });

  it('prints plain progress lines (no escape codes) when stdout is piped: the first at once, then at most one a second, then the last state', async () => {
    const outcome = await cli(['submit', scratchFile('lines.json', xorJob(60_000)), '--watch']);

    expect(outcome.code).toBe(0);
    expect(outcome.stdout).not.toContain('\u001b');
    const lines = outcome.stdout.trim().split('\n');
    const id = /^submitted (\S+)$/.exec(lines[0])?.[1];
    const progress = lines.filter((line) => PROGRESS_LINE.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatch(/\[(queued|running)\]$/);
    expect(progress.at(-1)).toMatch(/^epoch 60000\/60000 \(100%\) .* \[completed\]$/);
    expect(lines.at(-1)).toMatch(new RegExp(`^${id} completed epoch 60000/60000 loss \\S+ in \\S+$`));
  });
});

describe('trainyard watch, interrupted', { timeout: E2E_TIMEOUT_MS }, () => {
  it('stops watching on Ctrl-C in a terminal with exit 130, restoring the cursor; the job goes on', async () => {
    const long = JSON.stringify({
      name: 'iris, long', model: { inputSize: 4, layers: [{ units: 32, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
      loss: 'cross_entropy', training: { epochs: 100_000, batchSize: 16, seed: 1 }, data: { builtin: 'iris' },
    });
    const id = (await cli(['submit', scratchFile('interrupt.json', long)])).stdout.trim();
    const command = `'${process.execPath}' '${CLI}' watch ${id}`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: scratch.dir, env: { ...process.env, TRAINYARD_URL: trainyard.url }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';

    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        // Ctrl-C typed into the terminal once the bar shows the job running.
        if (/\| running/.test(output) && !child.stdin.writableEnded) child.stdin.end('\u0003');
      });
      child.once('close', resolve);
    });
    const after = await cli(['status', id, '--json']);
    await cli(['cancel', id]);

    expect(code).toBe(130);
    expect(output).toContain(`stopped watching ${id}`);
    expect(output).toContain('\u001b[?25h');
    expect(JSON.parse(after.stdout).status).toBe('running');
  });
});

describe('trainyard pause, resume, fork', { timeout: E2E_TIMEOUT_MS }, () => {
  it('pauses a running job, resumes it, and forks it into a new job that it then watches to completion', async () => {
    const long = JSON.stringify({
      name: 'iris, to pause', model: { inputSize: 4, layers: [{ units: 32, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
      loss: 'cross_entropy', training: { epochs: 100_000, batchSize: 16, seed: 2 }, data: { builtin: 'iris' },
    });
    const id = (await cli(['submit', scratchFile('pause.json', long)])).stdout.trim();
    const statusOf = async (): Promise<{ status: string; progress: { epoch: number } }> => JSON.parse((await cli(['status', id, '--json'])).stdout);
    while ((await statusOf()).progress.epoch === 0) await new Promise((resolve) => setTimeout(resolve, 100));

    const paused = await cli(['pause', id]);
    while ((await statusOf()).status !== 'paused') await new Promise((resolve) => setTimeout(resolve, 100));
    const resumed = await cli(['resume', id]);
    const forked = await cli(['fork', id, '--epochs', '50', '--learning-rate', '0.001', '--name', 'forked', '--watch']);
    const cancelled = await cli(['cancel', id]);

    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^${id} (pause requested|paused)$`, 'm'));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout.trim()).toMatch(new RegExp(`^${id} (queued|running)$`));
    expect(forked.code).toBe(0);
    const forkId = /^forked (\S+)$/m.exec(forked.stdout)?.[1];
    expect(forked.stdout).toMatch(new RegExp(`^${forkId} completed epoch `, 'm'));
    expect(JSON.parse((await cli(['status', forkId ?? '', '--json'])).stdout).name).toBe('forked');
    expect(cancelled.code).toBe(0);
  });
});

describe('trainyard exit codes', { timeout: E2E_TIMEOUT_MS }, () => {
  it('exits 1 when the watched job fails, naming the error', async () => {
    const diverging = JSON.stringify({
      name: 'diverges',
      model: { inputSize: 2, layers: [{ units: 8, activation: 'linear' }, { units: 1, activation: 'linear' }] },
      optimizer: { type: 'sgd', learningRate: 10 },
      training: { epochs: 1000, batchSize: 4, seed: 1 },
      data: { inputs: [[1, 2], [3, 4], [5, 6], [7, 8]], targets: [[1], [2], [3], [4]] },
    });

    const outcome = await cli(['submit', scratchFile('diverge.json', diverging), '--watch']);

    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/ failed epoch \d+\/1000 .*error diverged: /);
  });

  it('exits 3 when the watched job is cancelled', async () => {
    // Long enough (about a minute) that the cancel always lands while it trains.
    const id = (await cli(['submit', scratchFile('long.json', IRIS_LONG)])).stdout.trim();
    const watching = cli(['watch', id, '--interval', '100']);

    const cancel = await cli(['cancel', id]);
    const outcome = await watching;

    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`^${id} (cancelled|cancel requested)$`, 'm'));
    expect(outcome.code).toBe(3);
    expect(outcome.stdout).toMatch(new RegExp(`${id} cancelled epoch `));
  });

  it('exits 2 on usage errors: unknown command, missing argument, bad option value, unreadable or invalid files', async () => {
    const notJson = scratchFile('not-json.json', '{ nope');

    const outcomes = await Promise.all([
      cli(['frobnicate']),
      cli(['watch']),
      cli(['export', 'some-id', '--format', 'pdf', '-o', 'out']),
      cli(['submit', 'missing.json']),
      cli(['submit', notJson]),
      cli(['list', '--limit', 'zero']),
      cli(['curve', 'some-id', '--since', '-1']),
    ]);

    expect(outcomes.map((o) => o.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(outcomes[3].stderr).toContain('cannot read missing.json: ENOENT');
    expect(outcomes[4].stderr).toContain('is not JSON');
  });

  it('exits 1 with the problem on stderr when a request fails, and 0 for commands that work', async () => {
    const missing = await cli(['status', '00000000-0000-4000-8000-000000000000']);
    const refused = await cli(['list'], { TRAINYARD_URL: 'http://127.0.0.1:9' });
    const id = (await cli(['submit', scratchFile('small.json', xorJob(10)), '--watch'])).stdout.split(/\s+/)[1];
    const status = await cli(['status', id, '--json']);
    const result = await cli(['result', id, '-o', 'weights.json']);
    const predicted = await cli(['predict', id, scratchFile('inputs.json', '{ "inputs": [[0, 1], [1, 1]] }')]);
    const uploaded = await cli(['upload', scratchFile('rows.json', '{ "inputs": [[0, 0], [1, 1]], "targets": [[0], [1]] }')]);
    const deleted = await cli(['delete', id]);

    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: not_found \(404\): /);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: unreachable: Could not reach http:\/\/127\.0\.0\.1:9/);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, status: 'completed' });
    expect(result.code).toBe(0);
    expect(JSON.parse(readFileSync(join(scratch.dir, 'weights.json'), 'utf8')).weights).toHaveLength(2);
    expect(JSON.parse(predicted.stdout)).toHaveLength(2);
    expect(uploaded.stdout).toMatch(/^[0-9a-f-]{36} \(2 samples, 2 inputs, 1 outputs\)$/m);
    expect(deleted.stdout.trim()).toBe(`deleted ${id}`);
  });
});
