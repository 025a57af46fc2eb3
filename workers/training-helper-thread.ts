/**
 * A helper thread of a multi-threaded training run: persistent, it waits for a team descriptor
 * (`{ descriptor, member }`), answers `ready`, runs its share of every step of that run on the
 * run's shared WebAssembly memory until the trainer closes the team, then answers `closed` and
 * waits for the next run. See src/engine/parallel/training-team.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { TeamDescriptor } from '../src/engine/parallel/training-team.js';
import { enableWasmFeatures } from '../src/wasm-features.js';

if (!parentPort) throw new Error('training-helper-thread.ts must run as a worker thread');
// Before the engine loads: relaxed SIMD is behind a flag on Node 20.
enableWasmFeatures();
const { runTeamHelper } = await import('../src/engine/parallel/training-team.js');
const port = parentPort;

port.on('message', (message: { descriptor: TeamDescriptor; member: number }) => {
  port.postMessage({ type: 'ready', member: message.member });
  let error: string | undefined;
  try {
    runTeamHelper(message.descriptor, message.member);
  } catch (err) {
    error = (err as Error).message;
  }
  port.postMessage({ type: 'closed', member: message.member, ...(error ? { error } : {}) });
});
port.postMessage({ type: 'loaded' });
