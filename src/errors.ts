/** The contract's machine-readable error codes (README "Errors"; openapi/openapi.json `Problem`). */
export type ErrorCode =
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'job_not_finished'
  | 'job_failed'
  | 'non_finite_output'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'quota_exceeded'
  | 'unavailable'
  | 'internal';

/** One bad field: a JSON Pointer into the request body and what is wrong there. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Options common to every {@link AppError}. */
export interface AppErrorOptions {
  errors?: FieldProblem[];
  cause?: unknown;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
}

/**
 * An error the API answers as problem+json with its own status and code. Store, queue and
 * route code throw these; `api/problem.ts` turns them into responses.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldProblem[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, status: number, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.detail = detail;
    if (options.errors) this.errors = options.errors;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 400 `validation_failed`, listing every bad field. */
export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldProblem[] = [], options: AppErrorOptions = {}) {
    super('validation_failed', 400, detail, { ...options, errors });
  }
}

/** 401 `unauthorized`: missing or wrong API key. */
export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid API key is required: send Authorization: Bearer <key>.') {
    super('unauthorized', 401, detail);
  }
}

/** 404 `not_found`: also what another tenant's id answers. */
export class NotFoundError extends AppError {
  constructor(detail = 'No such resource.') {
    super('not_found', 404, detail);
  }
}

/** 409 `job_not_finished`: the result was asked for before the job completed. */
export class JobNotFinishedError extends AppError {
  constructor(detail = 'The job has not finished yet.') {
    super('job_not_finished', 409, detail);
  }
}

/** 409 `job_failed`: the result of a failed or cancelled job was asked for. */
export class JobFailedError extends AppError {
  constructor(detail = 'The job failed; see its error.') {
    super('job_failed', 409, detail);
  }
}

/** 422 `non_finite_output`: the model's output overflowed to ±Infinity or NaN for a row (named in `errors`). */
export class NonFiniteOutputError extends AppError {
  constructor(detail: string, errors: FieldProblem[] = []) {
    super('non_finite_output', 422, detail, { errors });
  }
}

/** 409 `conflict`: e.g. an Idempotency-Key reused with another body, or cancelling a finished job. */
export class ConflictError extends AppError {
  constructor(detail: string) {
    super('conflict', 409, detail);
  }
}

/** 413 `payload_too_large`. */
export class PayloadTooLargeError extends AppError {
  constructor(detail = 'The request body is too large.') {
    super('payload_too_large', 413, detail);
  }
}

/** 415 `unsupported_media_type`. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(detail = 'Unsupported Content-Type.') {
    super('unsupported_media_type', 415, detail);
  }
}

/** 429 `rate_limited`, with `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(detail: string, retryAfterSeconds: number) {
    super('rate_limited', 429, detail, { retryAfterSeconds });
  }
}

/** 429 `quota_exceeded`: e.g. too many queued and running jobs for the tenant. */
export class QuotaExceededError extends AppError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super('quota_exceeded', 429, detail, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}

/** 503 `unavailable`: Redis unreachable, overloaded, shutting down. */
export class UnavailableError extends AppError {
  constructor(detail = 'The service is temporarily unavailable; retry shortly.', options: AppErrorOptions = {}) {
    super('unavailable', 503, detail, { retryAfterSeconds: 1, ...options });
  }
}

/** Thrown by `loadConfig` naming every bad environment variable. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
