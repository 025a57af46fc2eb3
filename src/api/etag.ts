import { createHash } from 'node:crypto';

/** A strong ETag of a representation's exact bytes: the first 27 base64url characters of its SHA-256. */
export function etagOf(body: string | Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/**
 * `true` when an `If-None-Match` header names `etag`, by the weak comparison GET revalidation
 * uses (`W/"x"` matches `"x"`): a comma-separated list of tags, or `*` (any current
 * representation; every caller has one, or it would have answered 404 first).
 */
export function matchesEtag(header: string | readonly string[] | undefined, etag: string): boolean {
  if (header === undefined || header.length === 0) return false;
  const value = typeof header === 'string' ? header : header.join(',');
  const opaque = etag.replace(/^W\//, '');
  return value.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === opaque;
  });
}
