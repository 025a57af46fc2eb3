/**
 * How the CLI shows a training job's progress: a cli-progress bar (epoch, loss, samples/s, ETA)
 * redrawn in place when stdout is a terminal, else one plain line per second (logs, pipes, CI).
 */
import cliProgress from 'cli-progress';
import type { WaitProgress } from './trainyard-client.js';

/** Something that shows progress updates, then a final line. */
export interface ProgressView {
  update(progress: WaitProgress): void;
  /** Ends the display (the bar stays on screen at its last state). */
  stop(): void;
}

function formatLoss(loss: number | null): string {
  if (loss === null) return '-';
  return Math.abs(loss) >= 1e-3 && Math.abs(loss) < 1e4 ? loss.toFixed(4) : loss.toExponential(3);
}

function formatRate(samplesPerSecond: number | null): string {
  if (samplesPerSecond === null) return '-';
  return samplesPerSecond >= 1e4 ? `${(samplesPerSecond / 1000).toFixed(0)}k` : samplesPerSecond.toFixed(0);
}

/** `1h02m`, `3m05s`, `12s`, `-` when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** One plain progress line: `epoch 120/500 (24%) loss 0.1234 samples/s 48k eta 3s [running]`. */
export function formatProgressLine(p: WaitProgress): string {
  const percent = Math.floor(p.fraction * 100);
  return `epoch ${p.epoch}/${p.epochs} (${percent}%) loss ${formatLoss(p.loss)} samples/s ${formatRate(p.samplesPerSecond)} eta ${formatEta(p.etaSeconds)} [${p.status}]`;
}

/** A cli-progress bar on a terminal stream. */
export function createBarView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar({
    stream,
    format: '{bar} {percentage}% | epoch {value}/{total} | loss {loss} | {rate} samples/s | ETA {etaText} | {status}',
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    hideCursor: true,
    fps: 10,
  });
  let started = false;
  return {
    update(p) {
      const payload = { loss: formatLoss(p.loss), rate: formatRate(p.samplesPerSecond), etaText: formatEta(p.etaSeconds), status: p.status };
      if (!started) {
        bar.start(Math.max(p.epochs, 1), p.epoch, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(p.epochs, 1));
        bar.update(p.epoch, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/**
 * Plain lines, at most one per `intervalMs` (the first update at once), and the last state
 * when it ends, so a log shows where the job got to.
 */
export function createLineView(write: (line: string) => void, intervalMs = 1000, now: () => number = Date.now): ProgressView {
  let lastAt = -Infinity;
  let lastLine = '';
  let pending: WaitProgress | null = null;
  return {
    update(p) {
      pending = p;
      if (now() - lastAt < intervalMs) return;
      lastAt = now();
      lastLine = formatProgressLine(p);
      write(lastLine);
      pending = null;
    },
    stop() {
      if (pending && formatProgressLine(pending) !== lastLine) write(formatProgressLine(pending));
      pending = null;
    },
  };
}
