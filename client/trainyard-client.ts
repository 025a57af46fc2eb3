/**
 * The typed trainyard client: a small hand-written layer over openapi-fetch, typed by the types
 * `npm run openapi` generates from openapi/openapi.json. Every non-success answer becomes one
 * {@link ProblemError}; requests take `AbortSignal`s where they may last.
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { ProblemError, readProblemError, toProblemError, unreachableError } from './problem-error.js';
import { parseServerSentEvents } from './server-sent-events.js';

type JsonBody<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** A job submission: the network, data, loss, optimizer and training settings. */
export type JobSubmission = JsonBody<paths['/v1/jobs']['post']['requestBody']>;
/** The 202 of a submit. */
export type JobAccepted = JsonBody<paths['/v1/jobs']['post']['responses'][202]>;
/** The plan of POST /v1/jobs?dryRun=true. */
export type DryRun = JsonBody<paths['/v1/jobs']['post']['responses'][200]>;
/** A job's status, progress and latest metrics. */
export type Job = JsonBody<paths['/v1/jobs/{id}']['get']['responses'][200]>;
/** Every status a job can have. */
export type JobStatus = Job['status'];
/** A page of jobs, newest first. */
export type JobList = JsonBody<paths['/v1/jobs']['get']['responses'][200]>;
/** Filters of {@link TrainyardClient.list}. */
export type ListQuery = NonNullable<paths['/v1/jobs']['get']['parameters']['query']>;
/** The loss curve (points oldest first). */
export type Curve = JsonBody<paths['/v1/jobs/{id}/metrics']['get']['responses'][200]>;
/** One point of the curve. */
export type CurvePoint = Curve['points'][number];
/** The trained model: layers, weights `W[j][k]`, `b`, final metrics. */
export type Result = JsonBody<paths['/v1/jobs/{id}/result']['get']['responses'][200]>;
/** What a fork changes: more epochs, optimizer fields, a name. */
export type ForkRequest = JsonBody<paths['/v1/jobs/{id}/fork']['post']['requestBody']>;
/** A stored dataset. */
export type Dataset = JsonBody<paths['/v1/datasets']['post']['responses'][201]>;
/** A JSON dataset: `inputs` and `targets`, one row per sample. */
export type DatasetRows = JsonBody<paths['/v1/datasets']['post']['requestBody']>;

/** The terminal statuses: a job never leaves them. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

/** `true` for `completed`, `failed` and `cancelled`. */
export function isTerminalStatus(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Options of {@link createTrainyardClient}. */
export interface TrainyardClientOptions {
  /** The server's root URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** The API key, sent as `Authorization: Bearer <key>`; leave it out when authentication is off. */
  apiKey?: string;
  /** The fetch to use. @defaultValue `globalThis.fetch` */
  fetch?: typeof globalThis.fetch;
}

/** What {@link TrainyardClient.wait} reports while a job trains. */
export interface WaitProgress {
  status: JobStatus;
  epoch: number;
  epochs: number;
  /** `epoch / epochs`, 0 to 1. */
  fraction: number;
  /** The training loss of the last epoch reported, when there is one. */
  loss: number | null;
  valLoss: number | null;
  /** Training throughput, from the job's status (null until the worker has measured it). */
  samplesPerSecond: number | null;
  /** Seconds left, from the job's status (null until known). */
  etaSeconds: number | null;
}

/** Options of {@link TrainyardClient.wait}. */
export interface WaitOptions {
  /** Called on each progress event (or poll) with the latest numbers. */
  onProgress?: (progress: WaitProgress) => void;
  /** Stops waiting (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Follow the job's Server-Sent Events; false polls only. @defaultValue true */
  events?: boolean;
  /** Time between two status reads: the polling fallback, and the throughput refresh while streaming. @defaultValue 1000 */
  pollIntervalMs?: number;
}

/** One event of {@link TrainyardClient.events}. */
export type JobEvent =
  | { type: 'status'; status: JobStatus; epoch: number; epochs: number; error?: { code: string; message: string; epoch?: number } }
  | { type: 'progress'; point: CurvePoint; epochs: number; fraction: number };

/** What {@link TrainyardClient.upload} takes: JSON rows, or CSV text, bytes, a Blob or a stream. */
export type UploadSource =
  | DatasetRows
  | {
    /** A header row, then one sample per row; the last `targetColumns` columns are targets. */
    csv: string | Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
    /** @defaultValue 1 */
    targetColumns?: number;
  };

/** An exported TF.js model: `model.json` and its weights files by name. */
export interface TfjsExport {
  /** The `model.json` document (its `weightsManifest` names the weights files). */
  modelJson: Omit<JsonBody<paths['/v1/jobs/{id}/tfjs/model.json']['get']['responses'][200]>, 'convertedBy'>;
  weightFiles: { name: string; bytes: Uint8Array }[];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function toReadableStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

/** Creates a client for one server (and one API key). */
export function createTrainyardClient(options: TrainyardClientOptions): TrainyardClient {
  return new TrainyardClient(options);
}

/** The trainyard API as methods. Create it with {@link createTrainyardClient}. */
export class TrainyardClient {
  readonly baseUrl: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof globalThis.fetch;
  readonly #api: ReturnType<typeof createClient<paths>>;

  constructor(options: TrainyardClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#headers = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
    this.#fetch = options.fetch ?? globalThis.fetch;
    const fetchRequest = this.#fetch;
    this.#api = createClient<paths>({ baseUrl: this.baseUrl, headers: this.#headers, fetch: (request: Request) => fetchRequest(request) });
  }

  /** Runs one openapi-fetch call: the data of a success, else a ProblemError. */
  async #call<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    let outcome: { data?: T; error?: unknown; response: Response };
    try {
      outcome = await request();
    } catch (error) {
      if (error instanceof ProblemError || (error instanceof Error && error.name === 'AbortError')) throw error;
      throw unreachableError(this.baseUrl, error);
    }
    if (!outcome.response.ok) throw toProblemError(outcome.response, outcome.error);
    return outcome.data as T;
  }

  /** A plain fetch under the client's base URL and key (for bodies openapi-fetch does not stream). */
  async #fetchRaw(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await this.#fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...this.#headers, ...(init.headers as Record<string, string> | undefined) } });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw unreachableError(this.baseUrl, error);
    }
    if (!response.ok) throw await readProblemError(response);
    return response;
  }

  /** Submits a job (202). The same `idempotencyKey` and body return the same job. */
  async submit(job: JobSubmission, options: { idempotencyKey?: string } = {}): Promise<JobAccepted> {
    const answer = await this.#call(() => this.#api.POST('/v1/jobs', {
      body: job,
      ...(options.idempotencyKey ? { params: { header: { 'idempotency-key': options.idempotencyKey } } } : {}),
    }));
    // POST /v1/jobs answers a plan (200) only with ?dryRun=true, which this call never sends.
    if (!('id' in answer)) throw new Error('POST /v1/jobs answered a dry-run plan to a submit');
    return answer;
  }

  /** The plan of a job without storing or queueing it: parameters, FLOPs, memory, limits, estimated seconds. */
  async dryRun(job: JobSubmission): Promise<DryRun> {
    const answer = await this.#call(() => this.#api.POST('/v1/jobs', { body: job, params: { query: { dryRun: true } } }));
    if (!('estimatedSeconds' in answer)) throw new Error('POST /v1/jobs?dryRun=true queued a job instead of planning it');
    return answer;
  }

  /** A job's status, progress and latest metrics. */
  status(id: string): Promise<Job> {
    return this.#call(() => this.#api.GET('/v1/jobs/{id}', { params: { path: { id } } }));
  }

  /** One page of the tenant's jobs, newest first (`nextCursor` as `cursor` for the next). */
  list(query: ListQuery = {}): Promise<JobList> {
    return this.#call(() => this.#api.GET('/v1/jobs', { params: { query } }));
  }

  /**
   * The loss curve after epoch `since` (default: all of it), reading page after page; with
   * `maxPoints`, one read of the whole curve downsampled (each bucket's min and max kept).
   */
  async curve(id: string, options: { since?: number; maxPoints?: number } = {}): Promise<Curve> {
    if (options.maxPoints !== undefined) {
      const query = { since: options.since ?? 0, maxPoints: options.maxPoints };
      return this.#call(() => this.#api.GET('/v1/jobs/{id}/metrics', { params: { path: { id }, query } }));
    }
    let since = options.since ?? 0;
    const points: CurvePoint[] = [];
    for (;;) {
      const query = { since };
      const page = await this.#call(() => this.#api.GET('/v1/jobs/{id}/metrics', { params: { path: { id }, query } }));
      points.push(...page.points);
      if (page.points.length === 0 || page.next <= since) return { ...page, points, next: Math.max(page.next, since) };
      since = page.next;
    }
  }

  /** The trained model (409 `job_not_finished` before completion, `job_failed` after a failure). */
  result(id: string): Promise<Result> {
    return this.#call(() => this.#api.GET('/v1/jobs/{id}/result', { params: { path: { id } } }));
  }

  /** Runs the trained model on rows of inputs; one row of outputs per input row. */
  async predict(id: string, inputs: number[][]): Promise<number[][]> {
    const body = await this.#call(() => this.#api.POST('/v1/jobs/{id}/predict', { params: { path: { id } }, body: { inputs } }));
    return body.outputs;
  }

  /** Requests cancellation: a queued job is cancelled at once, a running one at its next batch. */
  cancel(id: string): Promise<Job> {
    return this.#call(() => this.#api.POST('/v1/jobs/{id}/cancel', { params: { path: { id } } }));
  }

  /** Pauses a job: a queued one at once, a running one after its next batch (it checkpoints and frees its thread). */
  pause(id: string): Promise<Job> {
    return this.#call(() => this.#api.POST('/v1/jobs/{id}/pause', { params: { path: { id } } }));
  }

  /** Queues a paused job again; it continues from its checkpoint. */
  resume(id: string): Promise<Job> {
    return this.#call(() => this.#api.POST('/v1/jobs/{id}/resume', { params: { path: { id } } }));
  }

  /** A new job that starts from this one's weights and optimizer state and trains `epochs` more; the source is unchanged. */
  fork(id: string, changes: ForkRequest = {}): Promise<JobAccepted> {
    return this.#call(() => this.#api.POST('/v1/jobs/{id}/fork', { params: { path: { id } }, body: changes }));
  }

  /** Deletes a job with its curve, result and checkpoints (cancelling it first). */
  async delete(id: string): Promise<void> {
    await this.#call(() => this.#api.DELETE('/v1/jobs/{id}', { params: { path: { id } } }));
  }

  /** Uploads a dataset once (JSON rows, or CSV as text, bytes, a Blob or a stream) for `data: { datasetId }`. */
  async upload(source: UploadSource): Promise<Dataset> {
    if (!('csv' in source)) {
      return this.#call(() => this.#api.POST('/v1/datasets', { body: source }));
    }
    const { csv } = source;
    const body: RequestInit['body'] = typeof csv === 'string' || csv instanceof Uint8Array || csv instanceof Blob || csv instanceof ReadableStream ? csv : toReadableStream(csv);
    const query = new URLSearchParams({ targetColumns: String(source.targetColumns ?? 1) });
    // A stream body needs half duplex (Node's fetch refuses it otherwise); others ignore it.
    const init: RequestInit & { duplex?: 'half' } = { method: 'POST', body, headers: { 'content-type': 'text/csv' }, duplex: 'half' };
    const response = await this.#fetchRaw(`/v1/datasets?${query}`, init);
    // The 201 body is the Dataset schema (the same as the JSON upload's typed answer).
    return (await response.json()) as Dataset;
  }

  /** The trained model as ONNX bytes (opset 13; input `input` [N, inputSize], output `output`). */
  async exportOnnx(id: string): Promise<Uint8Array> {
    const buffer = await this.#call(() => this.#api.GET('/v1/jobs/{id}/model.onnx', { params: { path: { id } }, parseAs: 'arrayBuffer' }));
    return new Uint8Array(buffer);
  }

  /** The trained model in the TF.js layers format: `model.json` and the weights files it names. */
  async exportTfjs(id: string): Promise<TfjsExport> {
    const modelJson = await this.#call(() => this.#api.GET('/v1/jobs/{id}/tfjs/model.json', { params: { path: { id } } }));
    const names = modelJson.weightsManifest.flatMap((group) => group.paths);
    const weightFiles = await Promise.all(names.map(async (name) => {
      const buffer = await this.#call(() => this.#api.GET('/v1/jobs/{id}/tfjs/{file}', { params: { path: { id, file: name } }, parseAs: 'arrayBuffer' }));
      return { name, bytes: new Uint8Array(buffer) };
    }));
    return { modelJson, weightFiles };
  }

  /**
   * The job's Server-Sent Events (`status` first and on every change, `progress` per epoch after
   * `since`) until the stream ends (after a terminal status, or when the server closes it).
   */
  async *events(id: string, options: { since?: number; signal?: AbortSignal } = {}): AsyncGenerator<JobEvent> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.since !== undefined) headers['last-event-id'] = String(options.since);
    const response = await this.#fetchRaw(`/v1/jobs/${encodeURIComponent(id)}/events`, { headers, ...(options.signal ? { signal: options.signal } : {}) });
    if (!response.body) return;
    for await (const message of parseServerSentEvents(response.body)) {
      const data: unknown = JSON.parse(message.data);
      if (typeof data !== 'object' || data === null) continue;
      const fields = data as Record<string, unknown>;
      if (message.event === 'status') {
        const { status, epoch, epochs, error } = fields as { status: JobStatus; epoch: number; epochs: number; error?: { code: string; message: string; epoch?: number } };
        yield { type: 'status', status, epoch, epochs, ...(error ? { error } : {}) };
      } else if (message.event === 'progress') {
        const { epochs, fraction, ...point } = fields as CurvePoint & { epochs: number; fraction: number };
        yield { type: 'progress', point, epochs, fraction };
      }
    }
  }

  /**
   * Waits until the job is completed, failed or cancelled and returns its final status. Follows
   * its event stream (reconnecting after the last epoch seen) and reads the status every
   * `pollIntervalMs` beside it (throughput and ETA live there); when the stream cannot be opened
   * or breaks it polls the status alone. `onProgress` gets epochs, loss, samples/s and ETA.
   */
  async wait(id: string, options: WaitOptions = {}): Promise<Job> {
    const pollMs = options.pollIntervalMs ?? 1000;
    const { signal, onProgress } = options;
    let job = await this.status(id);
    let latest: WaitProgress = {
      status: job.status, epoch: job.progress.epoch, epochs: job.progress.epochs, fraction: job.progress.fraction,
      loss: job.latest.loss, valLoss: job.latest.valLoss, samplesPerSecond: job.progress.samplesPerSecond, etaSeconds: job.progress.etaSeconds,
    };
    const report = (update: Partial<WaitProgress>): void => {
      latest = { ...latest, ...update };
      onProgress?.(latest);
    };
    const fromJob = (j: Job): Partial<WaitProgress> => ({
      status: j.status, samplesPerSecond: j.progress.samplesPerSecond, etaSeconds: j.progress.etaSeconds,
      // The stream may be ahead of the status (or the status ahead of a lagging stream): keep the furthest.
      ...(j.progress.epoch >= latest.epoch ? {
        epoch: j.progress.epoch, epochs: j.progress.epochs, fraction: j.progress.fraction,
        ...(j.latest.loss === null ? {} : { loss: j.latest.loss }), ...(j.latest.valLoss === null ? {} : { valLoss: j.latest.valLoss }),
      } : {}),
    });
    report({});
    let useEvents = options.events ?? true;
    // Progress only moves forward: the stream starts after the epoch the status already shows.
    let since = job.progress.epoch;
    while (!isTerminalStatus(job.status)) {
      signal?.throwIfAborted();
      if (!useEvents) {
        await sleep(pollMs, signal);
        job = await this.status(id);
        report(fromJob(job));
        continue;
      }
      // The stream, and beside it a status read every pollMs that also ends the wait when the
      // job is over (even if the stream were to stay silent).
      const stream = new AbortController();
      const stopStream = (): void => stream.abort(signal?.reason);
      signal?.addEventListener('abort', stopStream, { once: true });
      const poller = (async () => {
        while (!stream.signal.aborted) {
          await sleep(pollMs, stream.signal).catch(() => undefined);
          if (stream.signal.aborted) return;
          const j = await this.status(id).catch(() => null);
          if (!j || stream.signal.aborted) continue;
          job = j;
          report(fromJob(j));
          if (isTerminalStatus(j.status)) stream.abort();
        }
      })();
      try {
        for await (const event of this.events(id, { since, signal: stream.signal })) {
          if (event.type === 'progress') {
            since = Math.max(since, event.point.epoch);
            if (event.point.epoch < latest.epoch) continue;
            report({
              epoch: event.point.epoch, epochs: event.epochs, fraction: event.fraction,
              ...(event.point.loss === undefined ? {} : { loss: event.point.loss }),
              ...(event.point.valLoss === undefined ? {} : { valLoss: event.point.valLoss }),
            });
          } else {
            report({ status: event.status, epochs: event.epochs });
            if (isTerminalStatus(event.status)) break;
          }
        }
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof ProblemError && error.status === 404) throw error;
        // A stream the server refuses or that breaks: poll instead.
        if (!stream.signal.aborted) useEvents = false;
      } finally {
        stream.abort();
        signal?.removeEventListener('abort', stopStream);
        await poller;
      }
      // Ended by a terminal status, by the server (closing, stream age: reconnect) or broken.
      if (!isTerminalStatus(job.status)) job = await this.status(id);
    }
    report(fromJob(job));
    return job;
  }
}
