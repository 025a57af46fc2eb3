import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CurvePoint } from '../../../src/contract/job.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { createWatchHarness, KEY_A, KEY_B, parseSse, type WatchHarness } from './harness.js';

const AUTH_ENV = { TRAINYARD_API_KEYS: `a:${KEY_A},b:${KEY_B}` };

function points(from: number, to: number): CurvePoint[] {
  return Array.from({ length: to - from + 1 }, (_, index) => ({ epoch: from + index, loss: 1 / (from + index), elapsedMs: 10 * (from + index) }));
}

async function createJob(h: WatchHarness, tenant = 'default', epochs = 20): Promise<string> {
  const id = randomUUID();
  await h.jobs.createJob({ id, tenant, spec: xorJobSpec(id, { epochs }), createdAt: new Date().toISOString() });
  return id;
}

/** Plays a worker: marks the job running and stores points `from`…`to` with a progress update. */
async function train(h: WatchHarness, id: string, from: number, to: number): Promise<void> {
  if (from === 1) await h.jobs.markRunning(id, { attempt: 1, startedAt: new Date().toISOString() });
  await h.metrics.appendPoints(id, points(from, to));
  await h.jobs.updateProgress(id, { epoch: to, loss: 1 / to, epochsPerSecond: 100, samplesPerSecond: 400 });
}

async function complete(h: WatchHarness, id: string, epochs: number): Promise<void> {
  await h.jobs.completeJob(id, { weights: new Uint8Array(8), metrics: { finalLoss: 1 / epochs, epochsRun: epochs, stoppedEarly: false, durationMs: 100 }, kernel: 'ts' });
}

/** Reads an SSE response over real HTTP until `until` says stop (or the stream ends). */
async function readStream(url: string, headers: Record<string, string>, until: (text: string) => boolean): Promise<{ text: string; ended: boolean }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { text, ended: true };
    text += value;
    if (until(text)) {
      controller.abort();
      await reader.cancel().catch(() => undefined);
      return { text, ended: false };
    }
  }
}

describe('GET /v1/jobs/{id}/events', () => {
  let h: WatchHarness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('sends the status, a progress event per stored epoch, every status change, and ends after completed', async () => {
    h = await createWatchHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const id = await createJob(h, 'default', 10);
    const harness = h;
    let training: Promise<void> | undefined;
    const play = async (): Promise<void> => {
      await train(harness, id, 1, 4);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await train(harness, id, 5, 10);
      await complete(harness, id, 10);
    };

    // The worker starts once the client has seen the job queued.
    const { text, ended } = await readStream(`${url}/v1/jobs/${id}/events`, {}, (body) => {
      if (!training && body.includes('"status":"queued"')) training = play();
      return false;
    });
    await training;

    expect(ended).toBe(true);
    const { events, retry } = parseSse(text);
    expect(retry).toBe(2000);
    expect(events.map((event) => (event.event === 'status' ? (event.data as { status: string }).status : Number(event.id)))).toEqual(
      ['queued', 'running', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'completed'],
    );
    const progress = events.filter((event) => event.event === 'progress');
    expect(progress[3].data).toEqual({ epoch: 4, loss: 0.25, elapsedMs: 40, epochs: 10, fraction: 0.4 });
    expect(events[events.length - 1]).toEqual({ event: 'status', id: '10', data: { status: 'completed', epoch: 10, epochs: 10 } });
  });

  it('answers with the event-stream headers', async () => {
    h = await createWatchHarness();
    const id = await createJob(h, 'default', 1);
    await train(h, id, 1, 1);
    await complete(h, id, 1);

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['cache-control']).toContain('no-cache');
    expect(response.headers['x-accel-buffering']).toBe('no');
  });

  it('follows a job trained by a real worker from queued to completed, every stored epoch once', async () => {
    h = await createWatchHarness();
    await h.startWorker();
    const id = await h.submit({ training: { epochs: 300 } });

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });

    const { events } = parseSse(response.body);
    const epochs = events.filter((event) => event.event === 'progress').map((event) => Number(event.id));
    const statuses = events.filter((event) => event.event === 'status').map((event) => (event.data as { status: string }).status);
    expect(epochs).toEqual(Array.from({ length: 300 }, (_, index) => index + 1));
    expect(statuses.at(-1)).toBe('completed');
    expect(events.at(-1)!.event).toBe('status');
  });

  it('resumes after Last-Event-ID with no gap and no duplicate', async () => {
    h = await createWatchHarness();
    const id = await createJob(h, 'default', 20);
    await train(h, id, 1, 20);
    await complete(h, id, 20);

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: { 'last-event-id': '7' } });

    const ids = parseSse(response.body).events.filter((event) => event.event === 'progress').map((event) => Number(event.id));
    expect(ids).toEqual(Array.from({ length: 13 }, (_, index) => 8 + index));
  });

  it('gives a client that drops mid-training and reconnects with Last-Event-ID every epoch exactly once', async () => {
    h = await createWatchHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const id = await createJob(h, 'default', 30);
    await train(h, id, 1, 8);

    const first = await readStream(`${url}/v1/jobs/${id}/events`, {}, (text) => text.includes('id: 8\n'));
    await train(h, id, 9, 20);
    const lastId = parseSse(first.text).events.filter((event) => event.event === 'progress').at(-1)!.id!;
    const harness = h;
    const finishing = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await train(harness, id, 21, 30);
      await complete(harness, id, 30);
    })();
    const second = await readStream(`${url}/v1/jobs/${id}/events`, { 'Last-Event-ID': lastId }, () => false);
    await finishing;

    expect(first.ended).toBe(false);
    expect(second.ended).toBe(true);
    const seen = [...parseSse(first.text).events, ...parseSse(second.text).events].filter((event) => event.event === 'progress').map((event) => Number(event.id));
    expect(seen).toEqual(Array.from({ length: 30 }, (_, index) => index + 1));
  });

  it('sends comment heartbeats while nothing happens', async () => {
    h = await createWatchHarness({}, { eventsHeartbeatMs: 40 });
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const id = await createJob(h);

    const { text } = await readStream(`${url}/v1/jobs/${id}/events`, {}, (body) => (body.match(/^: heartbeat/gm) ?? []).length >= 2);

    expect(parseSse(text).comments.filter((comment) => comment.startsWith('heartbeat'))).toHaveLength(2);
  });

  it('ends open streams cleanly when the server shuts down', async () => {
    h = await createWatchHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    const id = await createJob(h);
    const reading = readStream(`${url}/v1/jobs/${id}/events`, {}, () => false);
    await new Promise((resolve) => setTimeout(resolve, 150));

    const started = Date.now();
    await h.app.close();
    const { text, ended } = await reading;

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ended).toBe(true);
    expect(parseSse(text).comments).toContain('server shutting down; reconnect with Last-Event-ID');
  });

  it('ends a stream at its time limit so that the client reconnects', async () => {
    h = await createWatchHarness({}, { eventsMaxDurationMs: 150 });
    const id = await createJob(h);

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });

    expect(parseSse(response.body).comments).toContain('stream time limit reached; reconnect with Last-Event-ID');
  });

  it('answers another tenant’s job with 404 problem+json, as if it did not exist', async () => {
    h = await createWatchHarness(AUTH_ENV);
    const id = await createJob(h, 'a');

    const other = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: { authorization: `Bearer ${KEY_B}` } });
    const missing = await h.app.inject({ method: 'GET', url: `/v1/jobs/${randomUUID()}/events`, headers: { authorization: `Bearer ${KEY_B}` } });
    const anonymous = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });

    expect(other.statusCode).toBe(404);
    expect(other.headers['content-type']).toContain('application/problem+json');
    expect(other.json()).toMatchObject({ status: 404, code: 'not_found' });
    expect(other.json().detail).toBe(missing.json().detail);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthorized');
  });

  it('ends a stream whose job is deleted', async () => {
    h = await createWatchHarness();
    const id = await createJob(h);
    const harness = h;
    const deleting = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await harness.jobs.deleteJob(id);
    })();

    const response = await h.app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });
    await deleting;

    expect(parseSse(response.body).comments).toContain('the job was deleted');
  });
});
