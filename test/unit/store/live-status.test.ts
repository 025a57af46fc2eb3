import { describe, expect, it } from 'vitest';
import { computeLiveStatus } from '../../../src/store/live-status.js';

const base = { status: 'running', epoch: 100, epochs: 500, lastHeartbeatAt: '2026-01-01T00:00:00.000Z', samplesPerSecond: 1234.4, epochsPerSecond: 40 };
const heartbeatMs = Date.parse(base.lastHeartbeatAt);

describe('computeLiveStatus', () => {
  it('gives throughput and the time to the last epoch of a running job', () => {
    const live = computeLiveStatus(base, { stalledHeartbeatMs: 60_000, nowMs: heartbeatMs + 1_000 });

    expect(live).toEqual({ samplesPerSecond: 1234, etaSeconds: 10, lastHeartbeatAt: base.lastHeartbeatAt, stalled: false });
  });

  it('marks a running job stalled when its heartbeat is older than the threshold', () => {
    const live = computeLiveStatus(base, { stalledHeartbeatMs: 60_000, nowMs: heartbeatMs + 60_001 });

    expect(live.stalled).toBe(true);
  });

  it('never marks a finished job stalled, and keeps its last measured throughput', () => {
    const live = computeLiveStatus({ ...base, status: 'completed', epoch: 500 }, { stalledHeartbeatMs: 1, nowMs: heartbeatMs + 3_600_000 });

    expect(live).toEqual({ samplesPerSecond: 1234, etaSeconds: 0, lastHeartbeatAt: base.lastHeartbeatAt, stalled: false });
  });

  it('has no estimate before the first epoch is timed', () => {
    const live = computeLiveStatus({ ...base, epoch: 0, samplesPerSecond: null, epochsPerSecond: null }, { stalledHeartbeatMs: 60_000, nowMs: heartbeatMs });

    expect(live.etaSeconds).toBeNull();
    expect(live.samplesPerSecond).toBeNull();
  });
});
