import { Errors } from '../../shared/errors';
import type { ConnectionClosedParams, ConnectionOpenedParams, InstanceStateParams, TransactionEndedParams } from '../../shared/protocol';
import { WORKER_LIMIT_DEFAULTS } from '../../shared/worker-limits';
import { ConnectionBudget } from '../connection/connection-budget';
import type { Logger } from '../runtime/logger';
import type { SessionListener } from '../connection/session-setup';
import { Instance } from './instance';

interface Entry {
  /** Undefined while closed for idling: `raw` opens it again on the next request. */
  instance: Instance | undefined;
  /** The config exactly as last received, to skip re-validation when it is resent unchanged. */
  raw: string | undefined;
  /** When a request last resolved the instance (ms since the epoch). */
  lastUsed: number;
}

/**
 * The config as text, for the unchanged-config shortcut; undefined when it
 * can't be written (nesting deeper than JSON.stringify's stack: JSON.parse
 * reads any depth). Validation then refuses it with a proper error.
 */
function rawKey(config: Record<string, unknown>): string | undefined {
  try {
    return JSON.stringify(config);
  } catch {
    return undefined;
  }
}

/** The session listener of one instance: the registry's, with the instanceId added. */
function sessionsOf(
  instanceId: string,
  listener: { opened(params: ConnectionOpenedParams): void; closed(params: ConnectionClosedParams): void },
): SessionListener {
  return {
    opened: (session) => listener.opened({ instanceId, ...session }),
    closed: (backendPid) => listener.closed({ instanceId, backendPid }),
  };
}

/**
 * instanceId → instance (and so its pool). A pool is replaced only when the
 * config's fingerprint changes; resending the same config is cheap. All
 * instances share the worker's server-connection budget. An instance with no
 * request, nothing checked out or waiting and no open transaction for
 * `idleInstanceTimeoutMs` is closed (pool ended, memory freed) and keeps only
 * its config text, from which its next request opens it again.
 */
export class InstanceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Promise<void>>();
  readonly budget = new ConnectionBudget({ maxServerConnections: WORKER_LIMIT_DEFAULTS.maxServerConnections });
  private idleTimeoutMs: number = WORKER_LIMIT_DEFAULTS.idleInstanceTimeoutMs;
  private sweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly onInstanceState: (params: InstanceStateParams) => void = () => undefined,
    private readonly onTransactionEnded: (params: TransactionEndedParams) => void = () => undefined,
    private readonly onSession: { opened(params: ConnectionOpenedParams): void; closed(params: ConnectionClosedParams): void } | undefined = undefined,
  ) {
    this.armSweep();
  }

  get idleInstanceTimeoutMs(): number {
    return this.idleTimeoutMs;
  }

  /** 0 keeps idle instances open. */
  set idleInstanceTimeoutMs(ms: number) {
    this.idleTimeoutMs = ms;
    this.armSweep();
  }

  /** The instance for `instanceId`, created or reconfigured from `config` when given. */
  resolve(instanceId: string, config: Record<string, unknown> | undefined): Instance {
    const entry = this.entries.get(instanceId);
    if (config === undefined) {
      if (!entry) throw Errors.configRequired(instanceId);
      return this.touch(instanceId, entry);
    }
    const raw = rawKey(config);
    if (entry && raw !== undefined && entry.raw === raw) return this.touch(instanceId, entry);
    const candidate = this.create(instanceId, config);
    if (entry?.instance && entry.instance.fingerprint === candidate.fingerprint) {
      entry.raw = raw;
      entry.lastUsed = Date.now();
      return entry.instance;
    }
    if (entry?.instance) {
      candidate.logger.info('configuration changed: replacing the pool');
      this.retire(entry.instance);
    }
    this.entries.set(instanceId, { instance: candidate, raw, lastUsed: Date.now() });
    return candidate;
  }

  /** The entry's instance, opened again from its config text if it was closed for idling. */
  private touch(instanceId: string, entry: Entry): Instance {
    entry.lastUsed = Date.now();
    return (entry.instance ??= this.create(instanceId, JSON.parse(entry.raw!) as Record<string, unknown>));
  }

  private create(instanceId: string, config: Record<string, unknown>): Instance {
    const logger = this.logger.child({ instanceId });
    const instance = new Instance({
      config: config as never,
      logger,
      connectionBudget: this.budget,
      onStateChange: (state, attempt, error) =>
        this.onInstanceState({
          instanceId,
          state,
          ...(attempt !== undefined ? { attempt } : {}),
          ...(error ? { error: { code: error.code, message: error.message } } : {}),
        }),
      onTransactionEnded: (transactionId, reason) => this.onTransactionEnded({ instanceId, transactionId, reason }),
      ...(this.onSession ? { onSession: sessionsOf(instanceId, this.onSession) } : {}),
    });
    logger.level = instance.config.logging.level;
    return instance;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Instances open (pool and state in memory) and closed for idling (config text only). */
  counts(): { open: number; idleClosed: number } {
    let open = 0;
    for (const entry of this.entries.values()) if (entry.instance) open++;
    return { open, idleClosed: this.entries.size - open };
  }

  /** Closes every instance (cancelling running statements) and forgets them. */
  async closeAll(): Promise<void> {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    const instances = [...this.entries.values()].flatMap((e) => (e.instance ? [e.instance] : []));
    this.entries.clear();
    await Promise.all([...instances.map((i) => i.close()), ...this.retiring]);
  }

  /** Closes instances idle past the timeout; only those whose config text can reopen them. */
  private closeIdle(): void {
    const before = Date.now() - this.idleTimeoutMs;
    for (const [instanceId, entry] of this.entries) {
      const instance = entry.instance;
      if (!instance || entry.raw === undefined || entry.lastUsed > before || !instance.idle) continue;
      entry.instance = undefined;
      instance.logger.debug({ idleInstanceTimeoutMs: this.idleTimeoutMs }, 'instance idle: pool closed');
      this.retire(instance);
      this.onInstanceState({ instanceId, state: 'closed' });
    }
  }

  private armSweep(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    if (this.idleTimeoutMs === 0) return;
    this.sweep = setInterval(() => this.closeIdle(), Math.min(30_000, Math.max(50, Math.floor(this.idleTimeoutMs / 4))));
    this.sweep.unref();
  }

  /** An old pool finishes its in-flight work, then ends. */
  private retire(instance: Instance): void {
    const done = instance
      .closeConnections()
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'error retiring a replaced pool'))
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }
}
