import { READ_CURVE, WRITE_CURVE } from './curve-scripts.js';
import {
  COMPLETE_JOB, CREATE_JOB, FINISH_JOB, MARK_PAUSED, REQUEST_CANCEL, REQUEST_PAUSE, RESUME_JOB, SAVE_CHECKPOINT, SET_IF_STATUS,
} from './job-scripts.js';
import type { LuaScript } from './script.js';
import { ACQUIRE_RUNNING_SLOT, CONFIRM_SLOT, INDEX_JOB, RESERVE_SLOT } from './tenant-scripts.js';
import { ADD_COMPUTE, RELEASE_STORAGE, RESERVE_STORAGE, STORED_BYTES } from './usage-scripts.js';
import { GET_WEBHOOK_SECRETS, ROTATE_WEBHOOK_SECRET } from './webhook-scripts.js';

export type { LuaScript } from './script.js';

/**
 * Every Lua script trainyard sends to Redis (the stores' and the webhook secrets'; BullMQ sends its
 * own), each on the keys of one job or one tenant (see {@link LuaScript}).
 */
export const LUA_SCRIPTS: readonly LuaScript[] = [
  CREATE_JOB, SET_IF_STATUS, COMPLETE_JOB, FINISH_JOB, REQUEST_CANCEL, REQUEST_PAUSE, MARK_PAUSED, RESUME_JOB, SAVE_CHECKPOINT,
  WRITE_CURVE, READ_CURVE,
  INDEX_JOB, RESERVE_SLOT, CONFIRM_SLOT, ACQUIRE_RUNNING_SLOT,
  ADD_COMPUTE, RESERVE_STORAGE, STORED_BYTES, RELEASE_STORAGE,
  GET_WEBHOOK_SECRETS, ROTATE_WEBHOOK_SECRET,
];
