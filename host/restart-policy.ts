/** Tunables of worker restarts and the circuit breaker. */
export interface RestartPolicyOptions {
  /** Unexpected exits (or failed starts) within `windowMs` that open the circuit. */
  maxRestarts: number;
  windowMs: number;
  /** Delay before the second restart in a window; doubles each time after. The first restart is immediate. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long an open circuit fails requests fast before letting one probe through. */
  circuitOpenMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({
  maxRestarts: 5,
  windowMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 5_000,
  circuitOpenMs: 10_000,
});

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Exponential backoff for restarts and a circuit breaker against crash loops:
 * past `maxRestarts` failures in `windowMs` the circuit opens (requests fail
 * fast); after `circuitOpenMs` one start is allowed as a probe, and a healthy
 * start closes the circuit again. Pure bookkeeping: time is passed in.
 */
export class RestartPolicy {
  private failures: number[] = [];
  private openedAt: number | undefined;

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  recordFailure(now: number): void {
    this.prune(now);
    this.failures.push(now);
    if (this.failures.length >= this.options.maxRestarts) this.openedAt = now;
  }

  /** A worker started and answered `initialize`: a half-open circuit closes. */
  recordHealthyStart(now: number): void {
    if (this.state(now) === 'half-open') {
      this.openedAt = undefined;
      this.failures = [];
    }
  }

  /** How long to wait before the next start. */
  nextDelay(now: number): number {
    this.prune(now);
    const n = this.failures.length;
    if (n <= 1) return 0;
    return Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (n - 2));
  }

  state(now: number): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return now - this.openedAt < this.options.circuitOpenMs ? 'open' : 'half-open';
  }

  /** When an open circuit lets the next probe through (epoch ms). */
  get retryAt(): number | undefined {
    return this.openedAt === undefined ? undefined : this.openedAt + this.options.circuitOpenMs;
  }

  private prune(now: number): void {
    const from = now - this.options.windowMs;
    while (this.failures.length > 0 && this.failures[0]! < from) this.failures.shift();
  }
}
