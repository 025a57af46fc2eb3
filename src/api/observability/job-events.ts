/**
 * The Server-Sent Events stream of one job (`GET /v1/jobs/{id}/events`), independent of HTTP
 * and Redis: it reads through two injected functions and writes text to a Node stream.
 *
 * Why polling instead of Redis pub/sub: workers already write the curve to Redis in batches (at
 * most every `METRICS_FLUSH_INTERVAL_MS`, 250 ms by default), so reading every 250 ms shows each
 * batch as soon as it lands; an idle tick is one `HGETALL` of a small hash, and the curve is read
 * only when the record says a newer epoch exists. Pub/sub would need a publish on the worker's hot
 * path, a subscriber connection per API process, and a read of the stored curve anyway to resume
 * from `Last-Event-ID` without a gap, and a message published during a reconnect is lost. With
 * polling, the stored curve is the single source of truth, so a stream is the `/metrics?since`
 * cursor walked forward: no gap and no duplicate by construction.
 */
import { PassThrough } from 'node:stream';

/** What a stream needs to know about the job at each tick. */
export interface JobSnapshot {
  status: string;
  /** The last epoch the worker reported (may be ahead of the stored curve). */
  epoch: number;
  epochs: number;
  error: { code: string; message: string; epoch?: number } | null;
}

/** One stored curve point. */
export interface EventPoint {
  epoch: number;
  loss?: number;
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
  elapsedMs?: number;
  /** The marker of the epoch where the loss became NaN/Inf (it has no `loss`). */
  diverged?: true;
}

/** Where a stream reads from. */
export interface JobEventReader {
  /** The job now, or `null` when it was deleted. */
  readJob(): Promise<JobSnapshot | null>;
  /** Stored points with `epoch > since`, oldest first (possibly a bounded page of them). */
  readPoints(since: number): Promise<EventPoint[]>;
}

/** Options of {@link JobEventStream}. */
export interface JobEventStreamOptions {
  reader: JobEventReader;
  /** The cursor to start after: `Last-Event-ID` (or `?since`), 0 for the whole curve. */
  since: number;
  /** Time between two reads. @defaultValue 250 */
  pollMs?: number;
  /** Time between two comment heartbeats, which keep proxies from closing an idle stream. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Advice to clients on when to reconnect (the `retry:` field). @defaultValue 2000 */
  retryMs?: number;
  /**
   * The longest a stream stays open; it then ends with a comment and the client reconnects with
   * `Last-Event-ID` (EventSource does so by itself), so no connection or timer lives forever.
   * @defaultValue 3600000 (one hour)
   */
  maxDurationMs?: number;
  /** Points one `readPoints` call returns at most; a full page is followed by another read. @defaultValue 1000 */
  pageSize?: number;
  /** Called with a read error; the stream keeps polling (Redis may come back). */
  onError?: (err: unknown) => void;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** `true` for `completed`, `failed` and `cancelled`. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/**
 * One SSE event block. `data` is JSON-encoded on one line (JSON never contains a raw newline),
 * so the block cannot be broken by the payload.
 */
export function formatSseEvent(event: { event: string; id?: number; data: unknown }): string {
  const id = event.id === undefined ? '' : `id: ${event.id}\n`;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** An SSE comment line (ignored by clients): heartbeats and goodbyes. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/**
 * The resume cursor of a request: `Last-Event-ID` when it is a whole number, else `since`
 * when it is, else 0. Anything else is ignored rather than rejected: a browser replays whatever
 * id it saw last.
 */
export function resolveCursor(lastEventId: string | string[] | undefined, since?: string): number {
  const header = Array.isArray(lastEventId) ? lastEventId[lastEventId.length - 1] : lastEventId;
  for (const candidate of [header, since]) {
    if (candidate !== undefined && /^\s*\d{1,15}\s*$/.test(candidate)) return Number(candidate);
  }
  return 0;
}

/**
 * A job's event stream: `progress` events (id = epoch, data = the curve point plus `epochs` and
 * `fraction`) for every stored point after the cursor, a `status` event first and on every
 * change, comment heartbeats, and the end right after a terminal status. Read it from
 * {@link JobEventStream.body}.
 */
export class JobEventStream {
  /** The text/event-stream body to send. */
  readonly body = new PassThrough();
  private cursor: number;
  private lastStatus: string | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lifetimeTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly pollMs: number;
  private readonly finished: Promise<void>;
  private resolveFinished!: () => void;

  constructor(private readonly options: JobEventStreamOptions) {
    this.cursor = options.since;
    this.pollMs = options.pollMs ?? 250;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
    // The client went away, or the response failed: stop reading Redis for it.
    this.body.on('close', () => this.stop());
  }

  /** The last epoch sent (the `Last-Event-ID` a client would send back). */
  get lastEventId(): number {
    return this.cursor;
  }

  /** Resolves once the stream has ended (terminal status, deletion, close or client gone). */
  get done(): Promise<void> {
    return this.finished;
  }

  /** Writes the preamble and starts polling. */
  start(): this {
    this.write(`retry: ${this.options.retryMs ?? 2000}\n\n`);
    this.heartbeatTimer = setInterval(() => this.write(formatSseComment(`heartbeat ${new Date().toISOString()}`)), this.options.heartbeatMs ?? 15_000);
    this.heartbeatTimer.unref();
    this.lifetimeTimer = setTimeout(() => this.close('stream time limit reached; reconnect with Last-Event-ID'), this.options.maxDurationMs ?? 3_600_000);
    this.lifetimeTimer.unref();
    void this.tick();
    return this;
  }

  /** Ends the stream with a comment saying why (e.g. the server is shutting down). */
  close(reason: string): void {
    if (this.closed) return;
    this.write(formatSseComment(reason));
    this.stop();
  }

  private write(chunk: string): void {
    if (!this.closed && !this.body.writableEnded) this.body.write(chunk);
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.lifetimeTimer) clearTimeout(this.lifetimeTimer);
    if (!this.body.writableEnded) this.body.end();
    this.resolveFinished();
  }

  private sendStatusIfChanged(job: JobSnapshot): void {
    if (job.status === this.lastStatus) return;
    this.lastStatus = job.status;
    const data: Record<string, unknown> = { status: job.status, epoch: job.epoch, epochs: job.epochs };
    if (job.error) data.error = job.error;
    this.write(formatSseEvent({ event: 'status', id: this.cursor, data }));
  }

  private schedule(): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(() => void this.tick(), this.pollMs);
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    // A slow client: let the socket drain before producing more.
    if (this.body.writableNeedDrain) {
      this.body.once('drain', () => this.schedule());
      return;
    }
    try {
      // Status first, then points: points stored before a terminal status was written are
      // therefore all read before the stream ends.
      const job = await this.options.reader.readJob();
      if (this.closed) return;
      if (job === null) {
        this.close('the job was deleted');
        return;
      }
      const terminal = isTerminal(job.status);
      // A new status goes before the points read with it (`running`, then its epochs), except
      // a terminal one, which is the stream's last event.
      if (!terminal) this.sendStatusIfChanged(job);
      if (job.epoch > this.cursor || terminal) {
        // Page through the curve until it is exhausted (a reconnect far behind).
        for (;;) {
          const points = await this.options.reader.readPoints(this.cursor);
          if (this.closed) return;
          const fresh = points.filter((point) => point.epoch > this.cursor);
          for (const point of fresh) {
            this.cursor = point.epoch;
            const fraction = job.epochs > 0 ? Math.min(1, point.epoch / job.epochs) : 0;
            this.write(formatSseEvent({ event: 'progress', id: point.epoch, data: { ...point, epochs: job.epochs, fraction } }));
          }
          if (fresh.length === 0 || (!terminal && fresh.length < (this.options.pageSize ?? 1000))) break;
        }
      }
      if (terminal) {
        this.sendStatusIfChanged(job);
        this.stop();
        return;
      }
    } catch (err) {
      this.options.onError?.(err);
    }
    this.schedule();
  }
}
