import { Type } from '@sinclair/typebox';

/** The problem+json body (SPEC.md "Errors"), used in every route's error responses. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    requestId: Type.Optional(Type.String()),
  },
  { description: 'application/problem+json' },
);

/** `{ id }` path parameters: any string up to 64 characters (an unknown id is a 404, not a 400). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** Error responses shared by every `/v1` route. */
export function problemResponses(...statuses: number[]): Record<number, typeof ProblemSchema> {
  const out: Record<number, typeof ProblemSchema> = {};
  for (const status of [401, 429, 500, 503, ...statuses]) out[status] = ProblemSchema;
  return out;
}

/** Bearer auth in OpenAPI. */
export const SECURITY = [{ bearerAuth: [] as string[] }];
