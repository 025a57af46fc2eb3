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

/**
 * The HTTP status of each code (README "Errors"): the one table of them, read by every
 * {@link AppError} and by `api/problem.ts` for errors that are not `AppError`s.
 */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = Object.freeze({
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  job_not_finished: 409,
  job_failed: 409,
  non_finite_output: 422,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  unavailable: 503,
  internal: 500,
});

/** Options common to every {@link AppError}. */
export interface AppErrorOptions {
  errors?: FieldProblem[];
  cause?: unknown;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
}

/**
 * An error the API answers as problem+json with its code and the code's status
 * ({@link STATUS_OF_CODE}). Store, queue and route code throw these (mostly through the
 * subclasses below); `api/problem.ts` turns them into responses.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string;
  readonly errors?: FieldProblem[];
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = STATUS_OF_CODE[code];
    this.detail = detail;
    if (options.errors) this.errors = options.errors;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * The base of an error class for one code whose detail may be left out: `new NotFoundError()`
 * answers `defaultDetail`. Subclasses declare only their name, so `instanceof` tells them apart.
 */
function createErrorClass(code: ErrorCode, defaultDetail: string) {
  return class extends AppError {
    constructor(detail = defaultDetail, options: AppErrorOptions = {}) {
      super(code, detail, options);
    }
  };
}

/** 400 `validation_failed`, listing every bad field. */
export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldProblem[] = [], options: AppErrorOptions = {}) {
    super('validation_failed', detail, { ...options, errors });
  }
}

/** 401 `unauthorized`: missing or wrong API key. */
export class UnauthorizedError extends createErrorClass('unauthorized', 'A valid API key is required: send Authorization: Bearer <key>.') {}

/** 404 `not_found`: also what another tenant's id answers. */
export class NotFoundError extends createErrorClass('not_found', 'No such resource.') {}

/** 409 `job_not_finished`: the result was asked for before the job completed. */
export class JobNotFinishedError extends createErrorClass('job_not_finished', 'The job has not finished yet.') {}

/** 409 `job_failed`: the result of a failed or cancelled job was asked for. */
export class JobFailedError extends createErrorClass('job_failed', 'The job failed; see its error.') {}

/** 422 `non_finite_output`: the model's output overflowed to ±Infinity or NaN for a row (named in `errors`). */
export class NonFiniteOutputError extends AppError {
  constructor(detail: string, errors: FieldProblem[] = []) {
    super('non_finite_output', detail, { errors });
  }
}

/** 409 `conflict`: e.g. an Idempotency-Key reused with another body, or cancelling a finished job. Always says what conflicts. */
export class ConflictError extends AppError {
  constructor(detail: string) {
    super('conflict', detail);
  }
}

/** 413 `payload_too_large`. */
export class PayloadTooLargeError extends createErrorClass('payload_too_large', 'The request body is too large.') {}

/** 415 `unsupported_media_type`. */
export class UnsupportedMediaTypeError extends createErrorClass('unsupported_media_type', 'Unsupported Content-Type.') {}

/** 429 `rate_limited`, with `Retry-After`. */
export class RateLimitedError extends AppError {
  constructor(detail: string, retryAfterSeconds: number) {
    super('rate_limited', detail, { retryAfterSeconds });
  }
}

/** 429 `quota_exceeded`: e.g. too many queued and running jobs for the tenant. */
export class QuotaExceededError extends AppError {
  constructor(detail: string, retryAfterSeconds?: number) {
    super('quota_exceeded', detail, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
  }
}

/** 503 `unavailable`: Redis unreachable, overloaded, shutting down. `Retry-After` is 1 s unless `options` say otherwise. */
export class UnavailableError extends AppError {
  constructor(detail = 'The service is temporarily unavailable; retry shortly.', options: AppErrorOptions = {}) {
    super('unavailable', detail, { retryAfterSeconds: 1, ...options });
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
