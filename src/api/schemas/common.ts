import { Type, type TSchema } from '@sinclair/typebox';

/**
 * Shared pieces of the route schemas. A schema with a `title` becomes a named component of the
 * OpenAPI document (`#/components/schemas/<title>`), referenced wherever it is used (see
 * `plugins/swagger.ts`); validation and serialisation use the schemas as they are.
 */

/** The problem+json body (RFC 9457), used in every route's error responses. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'a stable URI per code, e.g. /problems/not_found' }),
    title: Type.String(),
    status: Type.Integer({ description: 'the HTTP status' }),
    detail: Type.String({ description: 'what went wrong, for people' }),
    code: Type.String({
      description: 'stable and machine-readable: validation_failed, unauthorized, not_found, job_not_finished, job_failed, conflict, payload_too_large, unsupported_media_type, rate_limited, quota_exceeded, non_finite_output, unavailable, internal, …',
    }),
    errors: Type.Optional(Type.Array(
      Type.Object(
        {
          path: Type.String({ description: 'JSON Pointer of the bad field, e.g. /model/layers/1/units' }),
          message: Type.String(),
        },
        { title: 'FieldProblem' },
      ),
      { description: 'every bad field of a validation_failed request' },
    )),
    requestId: Type.Optional(Type.String({ description: 'on a 500: the request id to quote' })),
  },
  { title: 'Problem', description: 'An RFC 9457 problem: every 4xx/5xx answer is application/problem+json' },
);

/** `{ id }` path parameters: any string up to 64 characters (an unknown id is a 404, not a 400). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** An OpenAPI response header: a description and the value's schema. */
export interface ResponseHeader {
  description: string;
  type: 'string' | 'integer';
}

/** Response headers the API sends, as documented on the responses that carry them. */
export const HEADERS = {
  location: { Location: { type: 'string', description: 'the URL of the created resource' } },
  etag: { ETag: { type: 'string', description: 'a strong tag of this representation: send it back in If-None-Match to get a 304' } },
  retryAfter: { 'Retry-After': { type: 'integer', description: 'seconds to wait before retrying' } },
  wwwAuthenticate: { 'WWW-Authenticate': { type: 'string', description: 'Bearer: send Authorization: Bearer <API key>' } },
} satisfies Record<string, Record<string, ResponseHeader>>;

/**
 * A success response: `schema` with the response's own description (kept out of the schema,
 * so a named schema stays the same component everywhere) and the headers it carries.
 */
export function describedResponse<T extends TSchema>(schema: T, description: string, headers?: Record<string, ResponseHeader>): T {
  return { ...schema, 'x-response-description': description, ...(headers ? { headers } : {}) } as T;
}

/** A response without a body (204, 304). */
export function emptyResponse(description: string, headers?: Record<string, ResponseHeader>) {
  return Type.Null({ description, ...(headers ? { headers } : {}) });
}

/** A 304 answer to a matching `If-None-Match`. */
export const NOT_MODIFIED = emptyResponse('Not modified: If-None-Match names the current ETag; no body', HEADERS.etag);

/** What each error status means on the routes that may answer it (override per route with {@link problemResponse}). */
const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid (validation_failed); errors lists every bad field by JSON Pointer',
  401: 'Authentication is on and the API key is missing or wrong (unauthorized)',
  404: 'No such resource for this tenant (not_found)',
  409: 'The request conflicts with the resource’s state (conflict)',
  413: 'The body is larger than the route accepts (payload_too_large); detail names the limit',
  415: 'Unsupported Content-Type (unsupported_media_type)',
  422: 'The request is well-formed but cannot be processed (see code)',
  429: 'A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After',
  500: 'An unexpected error (internal); detail carries the request id',
  503: 'Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After',
};

const PROBLEM_HEADERS: Record<number, Record<string, ResponseHeader>> = {
  401: HEADERS.wwwAuthenticate,
  429: HEADERS.retryAfter,
  503: HEADERS.retryAfter,
};

/** One application/problem+json error response. */
export function problemResponse(status: number, description = PROBLEM_DESCRIPTIONS[status] ?? 'An error (see code)') {
  const headers = PROBLEM_HEADERS[status];
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/problem+json': { schema: ProblemSchema } },
  };
}

/** Error responses of a `/v1` route: 401, 429, 500 and 503, plus `statuses`. */
export function problemResponses(...statuses: number[]): Record<number, ReturnType<typeof problemResponse>> {
  const out: Record<number, ReturnType<typeof problemResponse>> = {};
  for (const status of [...statuses, 401, 429, 500, 503].sort((a, b) => a - b)) out[status] = problemResponse(status);
  return out;
}

/** Bearer auth in OpenAPI. */
export const SECURITY = [{ bearerAuth: [] as string[] }];
