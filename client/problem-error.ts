/** One bad field of a `validation_failed` answer: a JSON Pointer into the request and why. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** The fields of an `application/problem+json` answer (RFC 9457), as trainyard writes them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
  requestId?: string;
}

/**
 * The one error the client throws for an answer that is not a success: every field of the
 * server's problem+json body, plus `retryAfterSeconds` from `Retry-After`. When the server could
 * not be reached, `status` is 0 and `code` is `unreachable`; a non-problem error body (a proxy's
 * HTML page, say) gets `code` `http_<status>`.
 */
export class ProblemError extends Error implements Problem {
  override readonly name = 'ProblemError';
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Stable and machine-readable: `validation_failed`, `not_found`, `job_not_finished`, `job_failed`, `unauthorized`, … */
  readonly code: string;
  readonly errors?: FieldProblem[];
  readonly requestId?: string;
  /** Seconds the server asked to wait before retrying (429, 503), when it said. */
  readonly retryAfterSeconds?: number;

  constructor(problem: Problem, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(`${problem.code}: ${problem.detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.code = problem.code;
    if (problem.errors) this.errors = problem.errors;
    if (problem.requestId) this.requestId = problem.requestId;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.status === 'number' && typeof v.detail === 'string';
}

/** The ProblemError of an answer whose body has already been read (`body`: parsed JSON or text). */
export function toProblemError(response: Response, body: unknown): ProblemError {
  const retryAfter = Number(response.headers.get('retry-after'));
  const options = Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {};
  if (isProblem(body)) {
    return new ProblemError({ ...body, type: body.type ?? 'about:blank', title: body.title ?? response.statusText }, options);
  }
  const text = typeof body === 'string' ? body.slice(0, 500) : '';
  return new ProblemError({
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text || `The server answered ${response.status}.`,
    code: `http_${response.status}`,
  }, options);
}

/** Reads a failed answer's body (problem+json or anything) into a ProblemError. */
export async function readProblemError(response: Response): Promise<ProblemError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return toProblemError(response, body);
}

/** The ProblemError for a request that got no answer at all (refused, reset, DNS). */
export function unreachableError(baseUrl: string, cause: unknown): ProblemError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause);
  return new ProblemError({
    type: 'about:blank',
    title: 'Unreachable',
    status: 0,
    detail: `Could not reach ${baseUrl}: ${reason}`,
    code: 'unreachable',
  }, { cause });
}
