import {
  COMPLETE_JOB, CREATE_JOB, FINISH_JOB, MARK_PAUSED, REQUEST_CANCEL, REQUEST_PAUSE, RESUME_JOB, SAVE_CHECKPOINT, SET_IF_STATUS,
} from './job-scripts.js';
import type { LuaScript } from './script.js';
import { ACQUIRE_RUNNING_SLOT, CONFIRM_SLOT, INDEX_JOB, RESERVE_SLOT } from './tenant-scripts.js';
import { ADD_COMPUTE, RELEASE_STORAGE, RESERVE_STORAGE, STORED_BYTES } from './usage-scripts.js';

export type { LuaScript } from './script.js';

/** Every Lua script of the stores, each on the keys of one job or one tenant (see {@link LuaScript}). */
export const LUA_SCRIPTS: readonly LuaScript[] = [
  CREATE_JOB, SET_IF_STATUS, COMPLETE_JOB, FINISH_JOB, REQUEST_CANCEL, REQUEST_PAUSE, MARK_PAUSED, RESUME_JOB, SAVE_CHECKPOINT,
  INDEX_JOB, RESERVE_SLOT, CONFIRM_SLOT, ACQUIRE_RUNNING_SLOT,
  ADD_COMPUTE, RESERVE_STORAGE, STORED_BYTES, RELEASE_STORAGE,
];
