// Entry of every inference thread. Node 20 ignores `--import tsx` in a Worker's execArgv (the
// thread fails with "Unknown file extension .ts"), so the thread registers tsx's ESM loader
// itself, then imports the TypeScript entry named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
