/**
 * Live fields of a job's status: throughput, time to go, heartbeat and stall
 * detection, computed from the job record the workers keep up to date.
 */

/** The job-record fields the live status is computed from. */
export interface LiveStatusInput {
  status: string;
  epoch: number;
  epochs: number;
  lastHeartbeatAt: string | null;
  samplesPerSecond: number | null;
  epochsPerSecond: number | null;
}

/** Fields the status response gains. */
export interface LiveStatus {
  /** Training throughput of the latest attempt (its last measurement once finished); `null` before one. */
  samplesPerSecond: number | null;
  /** Seconds until the last epoch at the current pace; `null` when not running or unknown, 0 when done. */
  etaSeconds: number | null;
  /** When the worker last reported (ISO 8601), or `null`. */
  lastHeartbeatAt: string | null;
  /** `true` when the job is `running` but its worker has not reported for `stalledHeartbeatMs`. */
  stalled: boolean;
}

/**
 * Computes the live fields of a job's status.
 * @param record the job record (store shape).
 * @param options.stalledHeartbeatMs `STALLED_HEARTBEAT_MS`.
 * @param options.nowMs the current time in ms since the epoch. @defaultValue `Date.now()`
 */
export function computeLiveStatus(record: LiveStatusInput, options: { stalledHeartbeatMs: number; nowMs?: number }): LiveStatus {
  const nowMs = options.nowMs ?? Date.now();
  const running = record.status === 'running';
  const heartbeatMs = record.lastHeartbeatAt ? Date.parse(record.lastHeartbeatAt) : Number.NaN;
  const stalled = running && Number.isFinite(heartbeatMs) && nowMs - heartbeatMs > options.stalledHeartbeatMs;
  const positive = (value: number | null): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

  let etaSeconds: number | null = null;
  if (record.status === 'completed') etaSeconds = 0;
  else if (running && positive(record.epochsPerSecond)) {
    const remaining = Math.max(0, record.epochs - record.epoch);
    etaSeconds = Math.round((remaining / record.epochsPerSecond) * 10) / 10;
  }

  return {
    samplesPerSecond: positive(record.samplesPerSecond) ? Math.round(record.samplesPerSecond) : null,
    etaSeconds,
    lastHeartbeatAt: record.lastHeartbeatAt,
    stalled,
  };
}
