import { describe, expect, it } from 'vitest';
import { formatSseComment, formatSseEvent, JobEventStream, resolveCursor, type EventPoint, type JobSnapshot } from '../../../src/api/observability/job-events.js';

async function collect(stream: JobEventStream): Promise<string> {
  let text = '';
  stream.body.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await stream.done;
  return text;
}

describe('resolveCursor', () => {
  it('prefers a numeric Last-Event-ID, then ?since, then 0', () => {
    expect(resolveCursor('12', '3')).toBe(12);
    expect(resolveCursor(undefined, '3')).toBe(3);
    expect(resolveCursor('not-a-number', '3')).toBe(3);
    expect(resolveCursor(['1', '9'])).toBe(9);
    expect(resolveCursor('-4')).toBe(0);
    expect(resolveCursor(undefined)).toBe(0);
  });
});

describe('formatSseEvent', () => {
  it('writes one data line whatever the payload holds', () => {
    expect(formatSseEvent({ event: 'progress', id: 3, data: { note: 'two\nlines' } })).toBe('id: 3\nevent: progress\ndata: {"note":"two\\nlines"}\n\n');
    expect(formatSseComment('bye\nnow')).toBe(': bye now\n\n');
  });
});

describe('JobEventStream', () => {
  it('reads the status before the points, so points stored before a terminal status are all sent', async () => {
    const curve: EventPoint[] = [];
    let job: JobSnapshot = { status: 'running', epoch: 0, epochs: 3, error: null };
    let reads = 0;
    const stream = new JobEventStream({
      since: 0,
      pollMs: 1,
      reader: {
        async readJob() {
          reads += 1;
          // The "worker" stores every point and finishes between two ticks.
          if (reads === 2) {
            curve.push({ epoch: 1, loss: 3 }, { epoch: 2, loss: 2 }, { epoch: 3, loss: 1 });
            job = { status: 'failed', epoch: 3, epochs: 3, error: { code: 'diverged', message: 'loss became NaN', epoch: 3 } };
          }
          return job;
        },
        async readPoints(since) {
          return curve.filter((point) => point.epoch > since);
        },
      },
    });

    const text = await collect(stream.start());

    expect(text).toBe(
      'retry: 2000\n\n' +
        'id: 0\nevent: status\ndata: {"status":"running","epoch":0,"epochs":3}\n\n' +
        'id: 1\nevent: progress\ndata: {"epoch":1,"loss":3,"epochs":3,"fraction":0.3333333333333333}\n\n' +
        'id: 2\nevent: progress\ndata: {"epoch":2,"loss":2,"epochs":3,"fraction":0.6666666666666666}\n\n' +
        'id: 3\nevent: progress\ndata: {"epoch":3,"loss":1,"epochs":3,"fraction":1}\n\n' +
        'id: 3\nevent: status\ndata: {"status":"failed","epoch":3,"epochs":3,"error":{"code":"diverged","message":"loss became NaN","epoch":3}}\n\n',
    );
    expect(stream.lastEventId).toBe(3);
  });

  it('keeps polling through read errors and reports them', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const stream = new JobEventStream({
      since: 0,
      pollMs: 1,
      onError: (err) => errors.push(err),
      reader: {
        async readJob() {
          calls += 1;
          if (calls < 3) throw new Error('Connection is closed.');
          return { status: 'cancelled', epoch: 0, epochs: 5, error: null };
        },
        readPoints: async () => [],
      },
    });

    const text = await collect(stream.start());

    expect(errors).toHaveLength(2);
    expect(text).toContain('"status":"cancelled"');
  });

  it('stops reading once its client goes away', async () => {
    let reads = 0;
    const stream = new JobEventStream({
      since: 0,
      pollMs: 1,
      reader: {
        async readJob() {
          reads += 1;
          return { status: 'queued', epoch: 0, epochs: 5, error: null };
        },
        readPoints: async () => [],
      },
    }).start();
    stream.body.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));

    stream.body.destroy();
    await stream.done;
    const readsAtClose = reads;
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(reads).toBe(readsAtClose);
  });
});
