import { z } from 'zod';

/**
 * The one bound on every timeout, interval and delay (ms) the plugin takes.
 *
 * setTimeout fires at once for a delay past 2^31 − 1 ms, and PostgreSQL refuses
 * a `statement_timeout` (or `lock_timeout`, …) past INT_MAX ms, the same
 * number. The code adds to some timeouts: the host waits `timeout +
 * deadlineGraceMs` before it gives up on a call, and the worker lifts
 * `statement_timeout` to `timeout + 1 s` for a long statement. So a timeout may
 * be at most the limit less the largest such margin, and a margin
 * (`deadlineGraceMs`) at most that margin: every sum still fits both.
 */
export const TIMER_LIMIT_MS = 2_147_483_647;

/** Most the code adds to a timeout: `deadlineGraceMs` is bounded by it, the worker's 1 s lift is below it. */
export const MAX_TIMEOUT_MARGIN_MS = 3_600_000;

/** Largest accepted timeout (about 24.8 days less an hour). */
export const MAX_TIMEOUT_MS = TIMER_LIMIT_MS - MAX_TIMEOUT_MARGIN_MS;

const tooLong = `must be at most ${MAX_TIMEOUT_MS} ms (timers and PostgreSQL stop at 2^31 - 1 ms, less the ${MAX_TIMEOUT_MARGIN_MS} ms margin added to timeouts)`;

/** A timeout in ms: a whole number from 1 to MAX_TIMEOUT_MS. */
export const timeoutMsSchema = z.number().int().min(1).max(MAX_TIMEOUT_MS, tooLong);

/** A duration in ms where 0 means "none" or "at once": 0 to MAX_TIMEOUT_MS. */
export const durationMsSchema = z.number().int().min(0).max(MAX_TIMEOUT_MS, tooLong);

/** A margin added to timeouts (the host's `deadlineGraceMs`): 0 to MAX_TIMEOUT_MARGIN_MS. */
export const marginMsSchema = z
  .number()
  .int()
  .min(0)
  .max(MAX_TIMEOUT_MARGIN_MS, `must be at most ${MAX_TIMEOUT_MARGIN_MS} ms (it is added to timeouts of up to ${MAX_TIMEOUT_MS} ms, and the sum must stay below 2^31 ms)`);
