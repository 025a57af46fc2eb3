import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const COMMON: Options = {
  // Every bad field is listed; schemas bound every array and string, so this stays cheap.
  allErrors: true,
  // Reject, never silently strip (mass assignment: B5).
  removeAdditional: false,
  // NaN/Infinity (e.g. 1e309) are not numbers.
  strictNumbers: true,
  // TypeBox adds keywords Ajv's strict mode does not know (e.g. `description` on unions).
  strict: false,
};

/** Bodies: no type coercion and no defaults (the submitted body is kept exactly as sent). */
const bodyAjv = addFormats(new Ajv({ ...COMMON, coerceTypes: false, useDefaults: false }));
/** Query strings, params and headers arrive as strings: coercion is what makes `?limit=5` a number. */
const textAjv = addFormats(new Ajv({ ...COMMON, coerceTypes: true, useDefaults: true }));

/** Fastify's validator compiler: strict for bodies, coercing for the other parts. */
export const compileValidator: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : textAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<FastifySchema>>;
};
