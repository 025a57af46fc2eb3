// Entry of a pool thread whose module is TypeScript (development with tsx, and tests under
// Vitest): Node 20 ignores `--import tsx` in a Worker's execArgv (the thread fails with "Unknown
// file extension .ts"), so the thread registers tsx's ESM loader itself, then imports the entry
// named in workerData. Compiled code (`node dist/…`) starts its `.js` entries directly instead.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
