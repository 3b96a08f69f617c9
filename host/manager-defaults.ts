import { z } from 'zod';
import { durationMsSchema, marginMsSchema, timeoutMsSchema } from '../shared/timeout-limits';
import type { Framing } from '../shared/transport/framing';

/** PluginManager's defaults, in one frozen place. */
export const MANAGER_DEFAULTS = Object.freeze({
  isolation: 'plugin' as 'plugin' | 'tenant',
  maxWorkers: 16,
  workerIdleTimeoutMs: 300_000,
  framing: 'content-length' as Framing,
  startTimeoutMs: 10_000,
  stopTimeoutMs: 2_000,
  deadlineGraceMs: 1_000,
  heartbeatIntervalMs: 5_000,
  heartbeatTimeoutMs: 3_000,
  commitOutcome: true,
  commitOutcomeTimeoutMs: 5_000,
});

/** Every timing option is a timer's delay, and the deadline grace is added to timeouts: bounded so none overflows setTimeout. */
export const TIMING_BOUNDS = z.object({
  ...Object.fromEntries(['startTimeoutMs', 'stopTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'workerIdleTimeoutMs', 'commitOutcomeTimeoutMs'].map((k) => [k, timeoutMsSchema.optional()])),
  deadlineGraceMs: marginMsSchema.optional(),
  restart: z.object(Object.fromEntries(['windowMs', 'baseDelayMs', 'maxDelayMs', 'circuitOpenMs'].map((k) => [k, durationMsSchema.optional()]))).optional(),
});
