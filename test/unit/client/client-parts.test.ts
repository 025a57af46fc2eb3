/**
 * The client's pure parts: the Server-Sent Events parser, problem+json → ProblemError, the CLI's
 * progress lines and CSV rows; and the client's import boundary (HTTP only: nothing from src/ or
 * workers/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsvRows, UsageError } from '../../../client/cli.js';
import { ProblemError, parseServerSentEvents, type ServerSentEvent, type WaitProgress } from '../../../client/index.js';
import { toProblemError } from '../../../client/problem-error.js';
import { createLineView, formatEta, formatProgressLine } from '../../../client/progress-view.js';
import { REPO_ROOT } from '../../helpers/processes.js';

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of parseServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

const PROGRESS: WaitProgress = { status: 'running', epoch: 120, epochs: 500, fraction: 0.24, loss: 0.12345, valLoss: null, samplesPerSecond: 48_000, etaSeconds: 3.2 };

describe('parseServerSentEvents', () => {
  it('parses named events with ids, skipping comments and the retry field', async () => {
    const events = await collect(['retry: 2000\n\n: heartbeat\n\nid: 3\nevent: progress\ndata: {"epoch":3}\n\nevent: status\ndata: {"status":"completed"}\n\n']);

    expect(events).toEqual([
      { event: 'progress', data: '{"epoch":3}', id: '3' },
      { event: 'status', data: '{"status":"completed"}', id: '3' },
    ]);
  });

  it('joins data lines, accepts CRLF and CR, and events split anywhere across chunks', async () => {
    const events = await collect(['data: a\r', '\ndata: b\r\n\r', '\nda', 'ta:c\r\rdata: d\n']);

    expect(events).toEqual([{ event: 'message', data: 'a\nb' }, { event: 'message', data: 'c' }]);
  });
});

describe('toProblemError', () => {
  it('keeps every problem+json field and Retry-After', () => {
    const response = new Response(null, { status: 429, headers: { 'retry-after': '7' } });
    const body = { type: '/problems/rate_limited', title: 'Too Many Requests', status: 429, detail: 'slow down', code: 'rate_limited' };

    const error = toProblemError(response, body);

    expect(error).toBeInstanceOf(ProblemError);
    expect(error).toMatchObject({ ...body, retryAfterSeconds: 7, name: 'ProblemError', message: 'rate_limited: slow down' });
  });

  it('turns a body that is not a problem into code http_<status>', () => {
    const error = toProblemError(new Response(null, { status: 502, statusText: 'Bad Gateway' }), '<html>bad gateway</html>');

    expect(error).toMatchObject({ status: 502, code: 'http_502', title: 'Bad Gateway', detail: '<html>bad gateway</html>' });
  });
});

describe('progress lines', () => {
  it('formats epoch, percent, loss, samples/s, ETA and status', () => {
    expect(formatProgressLine(PROGRESS)).toBe('epoch 120/500 (24%) loss 0.1235 samples/s 48k eta 3s [running]');
    expect(formatEta(3725)).toBe('1h02m');
    expect(formatEta(185)).toBe('3m05s');
    expect(formatEta(null)).toBe('-');
  });

  it('writes the first update at once, then at most one per interval, and the last state at stop', () => {
    let now = 0;
    const lines: string[] = [];
    const view = createLineView((line) => lines.push(line), 1000, () => now);

    view.update({ ...PROGRESS, epoch: 1 });
    now = 400;
    view.update({ ...PROGRESS, epoch: 2 });
    now = 1000;
    view.update({ ...PROGRESS, epoch: 3 });
    now = 1500;
    view.update({ ...PROGRESS, epoch: 4 });
    view.stop();

    expect(lines.map((line) => line.split(' ')[1])).toEqual(['1/500', '3/500', '4/500']);
  });
});

describe('parseCsvRows', () => {
  it('skips a header row and reads numbers', () => {
    expect(parseCsvRows('a,b\n0,1\r\n1.5, -2\n\n', 'x.csv')).toEqual([[0, 1], [1.5, -2]]);
  });

  it('refuses a cell that is not a number (a usage error)', () => {
    expect(() => parseCsvRows('0,1\n1,x\n', 'x.csv')).toThrow(UsageError);
  });
});

describe('client/ import boundary', () => {
  it('imports only its own files, the generated types, openapi-fetch, the CLI packages and node: built-ins', () => {
    const dir = join(REPO_ROOT, 'client');
    const allowed = /^(\.\/|node:|openapi-fetch$|commander$|cli-progress$)/;
    const bad: string[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(dir, name), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        if (!allowed.test(match[1])) bad.push(`${name}: ${match[1]}`);
      }
    }

    expect(bad).toEqual([]);
  });
});
