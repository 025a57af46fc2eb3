import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, NotFoundError, STATUS_OF_CODE, type ErrorCode, type FieldProblem } from '../errors.js';

/** The `WWW-Authenticate` challenge of every 401 of the API (`Authorization: Bearer <key>`). */
export const BEARER_CHALLENGE = 'Bearer realm="trainyard"';

/** Human titles of the contract's error codes. */
const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Validation failed',
  unauthorized: 'Unauthorized',
  not_found: 'Not found',
  job_not_finished: 'Job not finished',
  job_failed: 'Job failed',
  non_finite_output: 'Output not finite',
  conflict: 'Conflict',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  rate_limited: 'Too many requests',
  quota_exceeded: 'Quota exceeded',
  unavailable: 'Service unavailable',
  internal: 'Internal server error',
};

/** An RFC 9457 problem body as the README and openapi/openapi.json (`Problem`) define it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldProblem[];
  requestId?: string;
}

/** The `type` URI of a code. */
export function problemType(code: ErrorCode): string {
  return `/problems/${code}`;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
}

/** At most this many field problems are listed (bounded response, bounded work). */
const MAX_FIELD_PROBLEMS = 50;

/** Ajv errors → contract field problems with JSON Pointer paths (`/model/layers/1/units`). */
export function toFieldProblems(errors: readonly AjvError[], context: string | undefined): FieldProblem[] {
  const base = context && context !== 'body' ? `/${context}` : '';
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  // anyOf only wraps the branch errors listed next to it; "must be null" is the other branch of
  // a nullable value: both are noise when a more precise error exists for the same value.
  const precise = errors.filter((e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'));
  for (const error of precise.length > 0 ? precise : errors) {
    let path = error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path = `${path}/${String(error.params.missingProperty)}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = `${path}/${String(error.params.additionalProperty)}`;
      message = 'is not an allowed field';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    }
    const entry = { path: `${base}${path}`, message };
    const key = `${entry.path}\u0000${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(entry);
    if (problems.length >= MAX_FIELD_PROBLEMS) break;
  }
  return problems;
}

/** `true` for ioredis failures that mean Redis is unreachable, slow or full. */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  // A transaction refused because one of its commands was (e.g. OOM with noeviction).
  const previous = (error as { previousErrors?: unknown[] }).previousErrors;
  if (/EXECABORT/.test(error.message) && Array.isArray(previous) && previous.some(isRedisUnavailable)) return true;
  if (/Stream isn't writeable|Command timed out|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|OOM command not allowed|LOADING|MISCONF|READONLY|Reached the max retries/i.test(error.message)) {
    return true;
  }
  // Redis Cluster during a failover or a resharding: retried by the client, or by the caller.
  return /CLUSTERDOWN|TRYAGAIN|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available|All nodes failed|^MOVED |^ASK /.test(error.message);
}

/**
 * What is logged of an error: Redis client errors carry the failed command's arguments, which
 * may hold a job's data or weights, so only the command's name is kept.
 */
export function loggableError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const command = (error as { command?: { name?: string } }).command;
  if (command === undefined && !('previousErrors' in error)) return error;
  return { type: error.name, message: error.message, command: command?.name, stack: error.stack };
}

/** The body limit of the route a request reached, and the setting that raises it. */
export interface BodyLimit {
  bytes: number;
  /** The environment variable, e.g. `JOB_BODY_LIMIT_BYTES`. */
  setting: string;
}

/** The detail of a 413: the limit in bytes and the setting that raises it. */
export function bodyTooLargeDetail(limit: BodyLimit, what = 'The request body'): string {
  return `${what} is larger than this route accepts: at most ${limit.bytes} bytes (the server setting ${limit.setting} raises it).`;
}

/**
 * Turns any thrown value into a problem (status, code, detail, errors).
 * @param bodyLimit the route's body limit, named in a 413's detail.
 */
export function toProblem(error: unknown, requestId: string, bodyLimit?: BodyLimit): Problem {
  const make = (code: ErrorCode, detail: string, errors?: FieldProblem[]): Problem => ({
    type: problemType(code),
    title: TITLES[code],
    status: STATUS_OF_CODE[code],
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  });
  if (error instanceof AppError) return make(error.code, error.detail, error.errors);
  const fastifyError = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fastifyError && Array.isArray(fastifyError.validation)) {
    const errors = toFieldProblems(fastifyError.validation, fastifyError.validationContext);
    return make('validation_failed', 'The request is invalid; see errors.', errors);
  }
  if (isRedisUnavailable(error)) return make('unavailable', 'The service is temporarily unavailable; retry shortly.');
  const status = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return make('payload_too_large', bodyLimit ? bodyTooLargeDetail(bodyLimit) : 'The request body is larger than this route accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return make('unsupported_media_type', 'Unsupported Content-Type; send application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make('validation_failed', 'The request body is empty; send a JSON document.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return make('validation_failed', 'The request body is not valid JSON.');
    case 'FST_ERR_HANDLER_TIMEOUT':
      return make('unavailable', 'The request took too long; retry shortly.');
    default:
      break;
  }
  if (status === 413) return make('payload_too_large', 'The request body is too large.');
  if (status === 415) return make('unsupported_media_type', 'Unsupported Content-Type.');
  if (status === 429) return make('rate_limited', 'Too many requests; retry later.');
  if (status === 503) return make('unavailable', 'The service is temporarily unavailable; retry shortly.');
  if (status === 404) return make('not_found', 'No such resource.');
  if (status >= 400 && status < 500) {
    // Body parser errors (bad JSON, __proto__ poisoning, bad content length…): never echo the
    // library's message.
    return make('validation_failed', 'The request could not be read: the body is not acceptable JSON.');
  }
  return { ...make('internal', `Internal Server Error (request id ${requestId}).`), requestId };
}

/** Sends a problem. */
export function sendProblem(reply: FastifyReply, problem: Problem, retryAfterSeconds?: number): FastifyReply {
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return reply.code(problem.status).type('application/problem+json; charset=utf-8').send(problem);
}

/** The body limit of the request's route: its `bodyLimit` and the setting its config names. */
function routeBodyLimit(request: FastifyRequest): BodyLimit | undefined {
  const bytes = request.routeOptions.bodyLimit;
  if (typeof bytes !== 'number') return undefined;
  return { bytes, setting: request.routeOptions.config?.bodyLimitSetting ?? 'BODY_LIMIT_BYTES' };
}

/** Installs the one error handler and the not-found handler: every 4xx/5xx is problem+json. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(error, request.id, routeBodyLimit(request));
    if (problem.status >= 500) {
      const err = loggableError(error);
      if (problem.code === 'unavailable') request.log.warn({ err }, 'request failed: unavailable');
      else request.log.error({ err }, 'request failed');
    }
    // RFC 9110: a 401 names the scheme that would succeed (the admin board sets its own, Basic).
    if (problem.status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', BEARER_CHALLENGE);
    let retryAfter = error instanceof AppError ? error.retryAfterSeconds : undefined;
    if (retryAfter === undefined && problem.status === 503) retryAfter = 1;
    if (retryAfter === undefined && problem.status === 429) {
      const header = reply.getHeader('retry-after');
      retryAfter = header === undefined ? 60 : Number(header);
    }
    return sendProblem(reply, problem, retryAfter);
  });
  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, toProblem(new NotFoundError(), request.id));
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The setting that raises this route's body limit (named in a 413). @defaultValue `BODY_LIMIT_BYTES` */
    bodyLimitSetting?: string;
  }
}
