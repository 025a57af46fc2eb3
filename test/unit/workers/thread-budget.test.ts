import { describe, expect, it } from 'vitest';
import { ThreadBudget } from '../../../workers/run/thread-budget.js';

describe('ThreadBudget', () => {
  it('gives a job alone every core, up to MAX_THREADS_PER_JOB', () => {
    const uncapped = new ThreadBudget(4, 0);
    const capped = new ThreadBudget(4, 2);

    expect(uncapped.grant('a')).toBe(4);
    expect(capped.grant('a')).toBe(2);
  });

  it('splits the cores between jobs admitted together', () => {
    const budget = new ThreadBudget(2, 0);
    budget.admit('a');
    budget.admit('b');

    const a = budget.grant('a');
    const b = budget.grant('b');

    expect([a, b]).toEqual([1, 1]);
  });

  it('keeps a core for every admitted job that has not started yet', () => {
    const budget = new ThreadBudget(4, 0);
    for (const id of ['a', 'b', 'c']) budget.admit(id);

    const grants = ['a', 'b', 'c'].map((id) => budget.grant(id));

    expect(grants).toEqual([2, 1, 1]);
    expect(budget.held).toBe(4);
  });

  it('takes half the cores back from a job alone when another starts, and tells it', () => {
    const budget = new ThreadBudget(2, 0);
    const told: number[] = [];
    budget.grant('a', Infinity, (threads) => told.push(threads));

    budget.admit('b');

    expect(told).toEqual([1]);
    expect(budget.grant('b')).toBe(1);
    expect(budget.held).toBe(2);
  });

  it('gives the cores of a job that ended to the others', () => {
    const budget = new ThreadBudget(2, 0);
    const told: number[] = [];
    budget.grant('a', Infinity, (threads) => told.push(threads));
    budget.grant('b');

    budget.release('b');

    expect(told).toEqual([1, 2]);
    expect(budget.snapshot()).toEqual(new Map([['a', 2]]));
  });

  it('gives one thread to each job when there are more jobs than cores', () => {
    const budget = new ThreadBudget(2, 0);

    const grants = ['a', 'b', 'c'].map((id) => budget.grant(id));

    expect(grants).toEqual([2, 1, 1]);
    expect(budget.snapshot()).toEqual(new Map([['a', 1], ['b', 1], ['c', 1]]));
  });

  it('grants one thread to a run that cannot be split and the rest to the others', () => {
    const budget = new ThreadBudget(4, 0);

    expect(budget.grant('a', 1)).toBe(1);
    expect(budget.grant('b')).toBe(3);
  });

  it('rejects a budget without cores or with a negative cap', () => {
    expect(() => new ThreadBudget(0, 1)).toThrow(RangeError);
    expect(() => new ThreadBudget(2, -1)).toThrow(RangeError);
  });
});
