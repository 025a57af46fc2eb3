import { afterEach, describe, expect, it } from 'vitest';
import { RunControl } from '../../../workers/run/run-control.js';
import { CONTROL_CANCEL, CONTROL_HANDBACK, CONTROL_INDEX, CONTROL_RUN } from '../../../workers/thread-messages.js';

describe('RunControl', () => {
  let control: RunControl | undefined;

  afterEach(() => {
    control?.dispose();
    control = undefined;
  });

  function word(run: RunControl): number {
    return Atomics.load(new Int32Array(run.buffer), CONTROL_INDEX);
  }

  it('starts with the run word and nothing asked', () => {
    control = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });

    expect(word(control)).toBe(CONTROL_RUN);
    expect(control.snapshot).toEqual({ cancelled: false, timedOut: false, handingBack: false, pausing: false, abandoned: false });
  });

  it('asks the thread for a checkpoint stop on a pause or a hand-back', () => {
    const paused = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });
    const handedBack = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });

    paused.pause();
    handedBack.handBack();

    expect(word(paused)).toBe(CONTROL_HANDBACK);
    expect(paused.snapshot.pausing).toBe(true);
    expect(word(handedBack)).toBe(CONTROL_HANDBACK);
    expect(handedBack.snapshot.handingBack).toBe(true);
    paused.dispose();
    handedBack.dispose();
  });

  it('keeps a cancel a cancel: a later pause or hand-back changes nothing', () => {
    control = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });

    control.cancel();
    control.pause();
    control.handBack();

    expect(word(control)).toBe(CONTROL_CANCEL);
    expect(control.snapshot).toMatchObject({ cancelled: true, pausing: false, handingBack: false });
  });

  it('turns a pause into a cancel when a cancel follows', () => {
    control = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });

    control.pause();
    control.cancel();

    expect(word(control)).toBe(CONTROL_CANCEL);
    expect(control.cancelled).toBe(true);
  });

  it('stops an abandoned run and marks it so nothing more is written', () => {
    control = new RunControl({ cancelGraceMs: 60_000, stopGraceMs: 60_000 });

    control.abandon();
    control.pause();

    expect(word(control)).toBe(CONTROL_CANCEL);
    expect(control.abandoned).toBe(true);
    expect(control.snapshot.pausing).toBe(false);
  });

  it('terminates a thread that does not stop within the grace period, and times a run out', async () => {
    control = new RunControl({ cancelGraceMs: 10, stopGraceMs: 10 });
    const timedOut = new RunControl({ cancelGraceMs: 10, stopGraceMs: 10 });
    let terminated = 0;
    let timeouts = 0;
    control.attach(() => terminated++, 60_000);
    timedOut.attach(() => timeouts++, 5);

    control.cancel();
    await expect.poll(() => terminated).toBe(1);
    await expect.poll(() => timeouts).toBe(1);

    expect(timedOut.snapshot.timedOut).toBe(true);
    timedOut.dispose();
  });
});
