/**
 * An error as it may be logged: Redis errors carry the failed command's arguments (checkpoint
 * bytes, weights), which must never reach the logs.
 */
export function errorSummary(err: unknown): { name?: string; message: string; code?: string; stack?: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), ...(err.stack ? { stack: err.stack } : {}) };
}
