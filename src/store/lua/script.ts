/**
 * A Lua script trainyard sends with `EVAL` (the stores and the webhook secrets), and the one hash
 * tag all its keys share (Redis Cluster runs a script only when its keys live in one slot): `job` —
 * every key is one job's `…:job:{<jobId>}:…`; `tenant` — every key is one tenant's
 * `…:t:{<tenant>}:…`. No script mixes the two; the stores send one script per slot and, where a
 * write spans both, two scripts together.
 */
export interface LuaScript {
  /** A name for logs and the list below. */
  readonly name: string;
  /** Whose keys it takes: all under one job's or one tenant's hash tag. */
  readonly slot: 'job' | 'tenant';
  /** KEYS and ARGV, in order. */
  readonly signature: string;
  readonly source: string;
}

/** Declares a script (a typed constant; nothing is sent to Redis here). */
export function defineScript(script: LuaScript): LuaScript {
  return Object.freeze(script);
}

/**
 * A declarer for the scripts of one slot: `declare(name, signature, body)` makes the script
 * `prelude` (Lua helper functions its scripts share, sent with each) followed by `body`.
 */
export function scriptsOn(slot: LuaScript['slot'], prelude = ''): (name: string, signature: string, body: string) => LuaScript {
  return (name, signature, body) => defineScript({ name, slot, signature, source: prelude ? `${prelude}\n${body}` : body });
}

/** The part of an ioredis connection that runs scripts. */
export interface ScriptRunner {
  eval(script: string, numkeys: number, ...args: (string | Buffer | number)[]): Promise<unknown>;
}

/** How a script's reply comes back: bulk strings as `string`s, or as `Buffer`s (binary values). */
export type ReplyEncoding = 'strings' | 'buffers';

/**
 * Runs `script` on `keys` (all under its one hash tag) with `args`; the reply as `T`.
 * @param replies `'buffers'` for a script that returns binary values.
 * @defaultValue replies `'strings'`
 */
export async function runScript<T>(
  redis: ScriptRunner, script: LuaScript, keys: readonly string[], args: readonly (string | Buffer | number)[], replies: ReplyEncoding = 'strings',
): Promise<T> {
  if (replies === 'strings') return (await redis.eval(script.source, keys.length, ...keys, ...args)) as T;
  // ioredis has `evalBuffer` on every connection but leaves it out of its types; `callBuffer`
  // would not survive auto-pipelining.
  const binary = redis as unknown as { evalBuffer: ScriptRunner['eval'] };
  return (await binary.evalBuffer(script.source, keys.length, ...keys, ...args)) as T;
}
