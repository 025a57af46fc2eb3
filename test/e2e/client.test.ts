/**
 * trainyard/client end to end: the README's "Use it from code" example type-checks under
 * tsc --strict with no cast and runs as written against a real server and worker; then the
 * client's other paths (a streamed CSV upload, polling without events, TF.js export, every
 * failure as one ProblemError) against the same server.
 */
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainyardClient, ProblemError, type JobSubmission, type WaitProgress } from '../../client/index.js';
import { createScratchDir, readmeBlock, run, startTrainyard, TSC, type RunningTrainyard } from './cli-harness.js';

/** Real processes on a shared 2-core machine: generous per-test limits (nothing asserts on time). */
const E2E_TIMEOUT_MS = 240_000;

const CAST = /\bas\s+(?!const\b)[A-Za-z{[(]|(?<![\w$])<[A-Z][\w.]*>\s*[\w(]|!\./;

let trainyard: RunningTrainyard;
const scratch = createScratchDir('client');

beforeAll(async () => {
  trainyard = await startTrainyard();
}, E2E_TIMEOUT_MS);

afterAll(async () => {
  await trainyard?.stop();
  scratch.remove();
});

function xorJob(epochs: number): JobSubmission {
  return {
    name: 'xor client test',
    model: { inputSize: 2, layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    loss: 'mse',
    optimizer: { type: 'adam', learningRate: 0.05 },
    training: { epochs, batchSize: 4, seed: 7 },
    data: { inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [[0], [1], [1], [0]] },
  };
}

describe('README "Use it from code"', { timeout: E2E_TIMEOUT_MS }, () => {
  const example = readmeBlock('Use it from code', 'ts');
  writeFileSync(join(scratch.dir, 'example.ts'), example);

  it('type-checks under tsc --strict, with no cast, importing trainyard/client', async () => {
    const outcome = await run(process.execPath, [
      TSC, '--strict', '--noEmit', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
      '--lib', 'ES2022', '--types', 'node', '--customConditions', 'source', 'example.ts',
    ], { cwd: scratch.dir });

    expect(outcome.stdout).toBe('');
    expect(outcome.code).toBe(0);
    expect(example).toContain("from 'trainyard/client'");
    expect(example.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')).not.toMatch(CAST);
  });

  it('runs as written: uploads, trains, waits with progress, predicts XOR, writes an ONNX model, catches a ProblemError', async () => {
    const outcome = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'example.ts'], {
      cwd: scratch.dir, env: { TRAINYARD_URL: trainyard.url },
    });

    expect(outcome.stderr).not.toMatch(/Error/);
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.trim().split('\n');
    expect(lines.some((line) => /^epoch \d+\/1000 loss /.test(line))).toBe(true);
    expect(lines).toContain('epoch 1000/1000 loss ' + lines.find((l) => l.startsWith('epoch 1000/1000 loss '))?.split(' loss ')[1]);
    const xor = /^xor ≈ (\S+) (\S+) (\S+) (\S+)$/m.exec(outcome.stdout);
    expect(xor?.slice(1).map((v) => Math.round(Number(v)))).toEqual([0, 1, 1, 0]);
    expect(outcome.stdout).toMatch(/^1000 curve points, final loss /m);
    expect(outcome.stdout).toMatch(/^404 not_found: /m);
    const session = await ort.InferenceSession.create(readFileSync(join(scratch.dir, 'xor.onnx')));
    expect(session.inputNames).toEqual(['input']);
    await session.release();
  });
});

describe('createTrainyardClient', { timeout: E2E_TIMEOUT_MS }, () => {
  it('uploads a CSV file as a stream and trains on it', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const file = join(scratch.dir, 'xor.csv');
    writeFileSync(file, 'a,b,xor\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n');

    const dataset = await client.upload({ csv: createReadStream(file) });
    const { id } = await client.submit({ ...xorJob(50), data: { datasetId: dataset.id } });
    const job = await client.wait(id);

    expect(dataset).toMatchObject({ samples: 4, inputSize: 2, outputSize: 1 });
    expect(job.status).toBe('completed');
  });

  it('waits by polling alone when events are off, reporting progress up to the last epoch', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const seen: WaitProgress[] = [];

    const { id } = await client.submit(xorJob(300));
    const job = await client.wait(id, { events: false, pollIntervalMs: 50, onProgress: (p) => seen.push(p) });

    expect(job.status).toBe('completed');
    expect(seen.at(-1)).toMatchObject({ status: 'completed', epoch: 300, epochs: 300, fraction: 1 });
  });

  it('follows the event stream: progress in epoch order, ending completed', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const epochs: number[] = [];

    const { id } = await client.submit(xorJob(3000));
    for await (const event of client.events(id)) {
      if (event.type === 'progress') epochs.push(event.point.epoch);
    }
    const job = await client.status(id);

    expect(job.status).toBe('completed');
    expect(epochs.at(-1)).toBe(3000);
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(new Set(epochs).size).toBe(epochs.length);
  });

  it('waits on the event stream with progress that never goes backwards, even when joining a job midway', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const seen: WaitProgress[] = [];
    const { id } = await client.submit(xorJob(30_000));
    while ((await client.status(id)).progress.epoch === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const job = await client.wait(id, { onProgress: (p) => seen.push(p) });

    const epochs = seen.map((p) => p.epoch);
    expect(job.status).toBe('completed');
    expect(epochs).toEqual([...epochs].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ status: 'completed', epoch: 30_000, fraction: 1 });
  });

  it('exports TF.js: model.json and the weights files it names', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const { id } = await client.submit(xorJob(20));
    await client.wait(id);

    const { modelJson, weightFiles } = await client.exportTfjs(id);

    expect(modelJson.format).toBe('layers-model');
    expect(weightFiles.map((f) => f.name)).toEqual(modelJson.weightsManifest[0].paths);
    expect(weightFiles[0].bytes.byteLength).toBe(4 * (2 * 8 + 8 + 8 * 1 + 1));
  });

  it('throws one ProblemError with every bad field for an invalid job', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const bad: JobSubmission = { ...xorJob(10), model: { inputSize: 0, layers: [] } };

    const error = await client.submit(bad).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProblemError);
    const problem = error instanceof ProblemError ? error : null;
    expect(problem?.status).toBe(400);
    expect(problem?.code).toBe('validation_failed');
    expect(problem?.errors?.map((e) => e.path)).toEqual(expect.arrayContaining(['/model/inputSize']));
  });

  it('throws ProblemError job_not_finished for the result of a running job, and unreachable when nothing listens', async () => {
    const client = createTrainyardClient({ baseUrl: trainyard.url });
    const { id } = await client.submit(xorJob(100_000));

    const early = await client.exportOnnx(id).catch((e: unknown) => e);
    await client.cancel(id);
    const final = await client.wait(id);
    const offline = await createTrainyardClient({ baseUrl: 'http://127.0.0.1:9' }).list().catch((e: unknown) => e);

    expect(early).toBeInstanceOf(ProblemError);
    expect(early).toMatchObject({ status: 409, code: 'job_not_finished' });
    expect(final.status).toBe('cancelled');
    expect(offline).toBeInstanceOf(ProblemError);
    expect(offline).toMatchObject({ status: 0, code: 'unreachable' });
    expect(existsSync(scratch.dir)).toBe(true);
  });
});

describe('with authentication on', { timeout: E2E_TIMEOUT_MS }, () => {
  let secured: RunningTrainyard | undefined;

  afterAll(async () => {
    await secured?.stop();
  });

  it('sends the API key; without it every call is a ProblemError unauthorized; tenants see only their own jobs', async () => {
    secured = await startTrainyard({ TRAINYARD_API_KEYS: 'teamA:key-aaaaaaaaaaaa,teamB:key-bbbbbbbbbbbb' });
    const teamA = createTrainyardClient({ baseUrl: secured.url, apiKey: 'key-aaaaaaaaaaaa' });
    const teamB = createTrainyardClient({ baseUrl: secured.url, apiKey: 'key-bbbbbbbbbbbb' });
    const anonymous = createTrainyardClient({ baseUrl: secured.url });

    const { id } = await teamA.submit(xorJob(20));
    const job = await teamA.wait(id);
    const onnx = await teamA.exportOnnx(id);
    const denied = await anonymous.list().catch((e: unknown) => e);
    const foreign = await teamB.exportOnnx(id).catch((e: unknown) => e);

    expect(job.status).toBe('completed');
    expect(onnx.byteLength).toBeGreaterThan(0);
    expect(denied).toBeInstanceOf(ProblemError);
    expect(denied).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(foreign).toMatchObject({ status: 404, code: 'not_found' });
  });
});
