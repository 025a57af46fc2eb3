import { describe, expect, it } from 'vitest';
import { LockLostError } from '../../../workers/run/lock-lost-error.js';
import { settleRun, type ControlState, type RunOutcome, type Snapshot } from '../../../workers/run/settle-run.js';
import type { RunEnd } from '../../../workers/thread-pool.js';
import { classifyAttemptError } from '../../../workers/training-processor.js';

const RUNNING: ControlState = { cancelled: false, timedOut: false, handingBack: false, pausing: false, abandoned: false };

function outcome(end: RunEnd, control: Partial<ControlState> = {}, extra: Partial<RunOutcome> = {}): RunOutcome {
  return { end, control: { ...RUNNING, ...control }, resumed: false, lastEpoch: 7, lastElapsedMs: 700, maxJobSeconds: 900, ...extra };
}

const snapshot: Snapshot = { bytes: new Uint8Array([1, 2, 3]), epoch: 7, batch: 2, step: 30, elapsedMs: 700, kernel: 'ts-f64' };
const done: RunEnd = {
  kind: 'message',
  message: {
    type: 'done', jobId: 'j', weights: new Uint8Array([9]), kernelName: 'ts-f64', elapsedMs: 1234,
    outcome: { finalLoss: 0.01, epochsRun: 10, stoppedEarly: false, reason: 'completed' } as never,
  },
};
const stoppedForCancel: RunEnd = { kind: 'message', message: { type: 'stopped', jobId: 'j', reason: 'cancel' } };
const stoppedForHandback: RunEnd = { kind: 'message', message: { type: 'stopped', jobId: 'j', reason: 'handback', checkpoint: snapshot } };
const terminated: RunEnd = { kind: 'died', code: 'terminated', message: 'the training thread was terminated' };
const threadError = (code: string, message: string, epoch?: number): RunEnd => ({
  kind: 'message', message: { type: 'error', jobId: 'j', error: epoch === undefined ? { code, message } : { code, message, epoch } },
});

describe('settleRun', () => {
  it('completes a run whose thread finished, with its result metrics', () => {
    const settlement = settleRun(outcome(done));

    expect(settlement).toEqual({
      kind: 'complete', weights: new Uint8Array([9]), kernel: 'ts-f64',
      metrics: { finalLoss: 0.01, epochsRun: 10, stoppedEarly: false, durationMs: 1234 },
    });
  });

  it('keeps bestValLoss in the metrics when the run had one', () => {
    const end = structuredClone(done);
    if (end.kind === 'message' && end.message.type === 'done') end.message.outcome.bestValLoss = 0.5;

    const settlement = settleRun(outcome(end));

    expect(settlement).toMatchObject({ kind: 'complete', metrics: { bestValLoss: 0.5 } });
  });

  it('cancels a run stopped for a cancel', () => {
    expect(settleRun(outcome(stoppedForCancel, { cancelled: true }))).toEqual({ kind: 'cancel' });
  });

  it('cancels a run whose thread was terminated after the cancel grace period', () => {
    expect(settleRun(outcome(terminated, { cancelled: true }))).toEqual({ kind: 'cancel' });
  });

  it('cancels a run stopped for a hand-back when a cancel came too', () => {
    expect(settleRun(outcome(stoppedForHandback, { cancelled: true, handingBack: true }))).toEqual({ kind: 'cancel' });
  });

  it('fails a diverged run with its epoch and an explicit diverged curve marker', () => {
    const settlement = settleRun(outcome(threadError('diverged', 'loss is NaN', 8)));

    expect(settlement).toEqual({
      kind: 'fail',
      error: { code: 'diverged', message: 'loss is NaN', epoch: 8 },
      marker: { epoch: 8, diverged: true, elapsedMs: 700 },
    });
  });

  it('puts the diverged marker after the last reported epoch when the engine gave none', () => {
    const settlement = settleRun(outcome(threadError('diverged', 'weights are NaN')));

    expect(settlement).toMatchObject({ kind: 'fail', error: { code: 'diverged' }, marker: { epoch: 8, diverged: true } });
    expect('epoch' in (settlement as { error: object }).error).toBe(false);
  });

  it('fails a run terminated by the wall-clock limit as timeout, naming the limit', () => {
    const settlement = settleRun(outcome(terminated, { timedOut: true }));

    expect(settlement).toEqual({ kind: 'fail', error: { code: 'timeout', message: 'the job ran longer than 900 s' } });
  });

  it('fails a thread that ran out of memory as out_of_memory', () => {
    const settlement = settleRun(outcome({ kind: 'died', code: 'out_of_memory', message: 'oom' }));

    expect(settlement).toEqual({ kind: 'fail', error: { code: 'out_of_memory', message: 'the training thread ran out of memory' } });
  });

  it('fails a crashed thread as thread_crashed with its message', () => {
    const settlement = settleRun(outcome({ kind: 'died', code: 'thread_crashed', message: 'exited with code 70' }));

    expect(settlement).toEqual({ kind: 'fail', error: { code: 'thread_crashed', message: 'exited with code 70' } });
  });

  it('writes nothing for a run whose lock was lost, whatever the thread did', () => {
    for (const end of [done, stoppedForCancel, terminated, threadError('diverged', 'x', 2)]) {
      expect(settleRun(outcome(end, { abandoned: true, cancelled: true }))).toEqual({ kind: 'lock-lost' });
    }
  });

  it('hands a run stopped at shutdown back with the checkpoint it stopped at', () => {
    expect(settleRun(outcome(stoppedForHandback, { handingBack: true }))).toEqual({ kind: 'hand-back', checkpoint: snapshot });
  });

  it('hands a run back without a checkpoint when its loop had to be terminated at shutdown', () => {
    expect(settleRun(outcome(terminated, { handingBack: true }))).toEqual({ kind: 'hand-back' });
  });

  it('pauses a run stopped for a pause with its checkpoint, even when a shutdown came too', () => {
    expect(settleRun(outcome(stoppedForHandback, { pausing: true }))).toEqual({ kind: 'pause', checkpoint: snapshot });
    expect(settleRun(outcome(stoppedForHandback, { pausing: true, handingBack: true }))).toEqual({ kind: 'pause', checkpoint: snapshot });
  });

  it('restarts a resumed run whose checkpoint the engine cannot read', () => {
    const settlement = settleRun(outcome(threadError('invalid_data', 'checkpoint version 9 is not supported'), {}, { resumed: true }));

    expect(settlement).toEqual({ kind: 'restart', reason: 'checkpoint version 9 is not supported' });
  });

  it('fails invalid data of a fresh run as invalid_data', () => {
    const settlement = settleRun(outcome(threadError('invalid_data', 'checkpoint of another network')));

    expect(settlement).toEqual({ kind: 'fail', error: { code: 'invalid_data', message: 'checkpoint of another network' } });
  });

  it('fails any other thread error as internal, keeping the error to log', () => {
    const settlement = settleRun(outcome(threadError('internal', 'test hook: thrown at epoch 3')));

    expect(settlement).toEqual({
      kind: 'fail',
      error: { code: 'internal', message: 'training failed with an internal error' },
      unexpected: { code: 'internal', message: 'test hook: thrown at epoch 3' },
    });
  });
});

describe('classifyAttemptError', () => {
  it('tells a lost lock from control flow, a last attempt and a retry', () => {
    const named = (name: string): Error => Object.assign(new Error(name), { name });

    expect(classifyAttemptError(new LockLostError(), 0, 3)).toBe('lock-lost');
    expect(classifyAttemptError(named('UnrecoverableError'), 2, 3)).toBe('control');
    expect(classifyAttemptError(named('WaitingError'), 2, 3)).toBe('control');
    expect(classifyAttemptError(named('DelayedError'), 0, 3)).toBe('control');
    expect(classifyAttemptError(new Error('ECONNRESET'), 2, 3)).toBe('final');
    expect(classifyAttemptError(new Error('ECONNRESET'), 1, 3)).toBe('retry');
  });
});

describe('LockLostError', () => {
  it('is an Error named LockLostError', () => {
    const err = new LockLostError();

    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('LockLostError');
  });
});
