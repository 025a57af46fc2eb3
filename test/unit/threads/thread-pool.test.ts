import { afterEach, describe, expect, it } from 'vitest';
import { siblingThreadEntry, ThreadPool } from '../../../src/threads/thread-pool.js';

const ENTRY = new URL('./fixtures/echo-thread.ts', import.meta.url);
const isReadyMessage = (m: unknown): boolean => (m as { ready?: boolean }).ready === true;
const isAnswer = (m: unknown): m is { value: number; threadId: number } => typeof (m as { value?: unknown }).value === 'number';

describe('ThreadPool', () => {
  let pool: ThreadPool | undefined;

  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it('hands out each ready thread once and gives a released thread to the next waiter', async () => {
    pool = new ThreadPool({ name: 'test', size: 2, entry: ENTRY, isReadyMessage });
    await pool.start();

    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    const third = pool.acquire();
    const busyWhileFull = pool.busy;
    pool.release(a);
    const c = await third;

    expect(a).not.toBe(b);
    expect(busyWhileFull).toBe(2);
    expect(c).toBe(a);
    expect(await c.exchange({ op: 'echo', value: 42 }, isAnswer)).toMatchObject({ kind: 'message', message: { value: 42 } });
  });

  it('reports a crashed thread as thread_crashed and replaces it, so the pool keeps its size', async () => {
    pool = new ThreadPool({ name: 'test', size: 1, entry: ENTRY, isReadyMessage });
    const thread = await pool.acquire();

    const end = await thread.exchange({ op: 'crash' }, isAnswer);
    pool.release(thread);
    const next = await pool.acquire();

    expect(end).toMatchObject({ kind: 'died', code: 'thread_crashed', message: 'the test thread crashed: asked to crash' });
    expect(next).not.toBe(thread);
    expect(pool.size).toBe(1);
    expect(await next.exchange({ op: 'echo', value: 1 }, isAnswer)).toMatchObject({ kind: 'message' });
  });

  it('terminates a thread that will not stop when discarded, and starts another', async () => {
    pool = new ThreadPool({ name: 'test', size: 1, entry: ENTRY, isReadyMessage });
    const thread = await pool.acquire();
    const spinning = thread.exchange({ op: 'spin' }, isAnswer);

    await pool.discard(thread);
    const end = await spinning;
    const next = await pool.acquire();

    expect(end).toMatchObject({ kind: 'died', code: 'terminated' });
    expect(next).not.toBe(thread);
  });

  it('prefers an idle thread the caller accepts (affinity by tag)', async () => {
    pool = new ThreadPool({ name: 'test', size: 3, entry: ENTRY });
    await pool.start();
    const threads = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    threads[1].tag = 'weights-of-job-b';
    for (const t of threads) pool.release(t);

    const chosen = await pool.acquire({ prefer: (t) => t.tag === 'weights-of-job-b' });

    expect(chosen).toBe(threads[1]);
  });

  it('rejects waiting acquires when closed', async () => {
    pool = new ThreadPool({ name: 'test', size: 1, entry: ENTRY, isReadyMessage });
    await pool.acquire();
    const waiting = pool.acquire().catch((err: Error) => err);

    await pool.close();

    expect(await waiting).toMatchObject({ message: 'the test thread pool is closed' });
    await expect(pool.acquire()).rejects.toThrow('the test thread pool is closed');
  });
});

describe('siblingThreadEntry', () => {
  it('names the compiled .js entry next to compiled code and the .ts entry next to TypeScript', () => {
    expect(siblingThreadEntry('file:///app/dist/workers/main.js', 'training-thread').href).toBe('file:///app/dist/workers/training-thread.js');
    expect(siblingThreadEntry('file:///app/workers/main.ts', 'training-thread').href).toBe('file:///app/workers/training-thread.ts');
  });
});
