/**
 * `trainyard/client`: a typed client for the trainyard API (submit, wait, curve, result,
 * predict, upload, export) whose every failure is one {@link ProblemError}.
 *
 * ```ts
 * import { createTrainyardClient } from 'trainyard/client';
 * const trainyard = createTrainyardClient({ baseUrl: 'http://127.0.0.1:3000' });
 * const { id } = await trainyard.submit({ model: { inputSize: 2, layers: [{ units: 1, activation: 'sigmoid' }] }, data: { builtin: 'xor' } });
 * const job = await trainyard.wait(id);
 * ```
 */
export {
  createTrainyardClient, isTerminalStatus, TERMINAL_STATUSES, TrainyardClient,
  type Curve, type CurvePoint, type Dataset, type DatasetRows, type ForkRequest, type Job, type JobAccepted, type JobEvent, type JobList,
  type JobStatus, type JobSubmission, type ListQuery, type Result, type TfjsExport, type TrainyardClientOptions,
  type UploadSource, type WaitOptions, type WaitProgress,
} from './trainyard-client.js';
export { ProblemError, type FieldProblem, type Problem } from './problem-error.js';
export { parseServerSentEvents, type ServerSentEvent } from './server-sent-events.js';
