import { Errors } from '../../shared/errors';
import type { ConnectionClosedParams, ConnectionOpenedParams, InstanceStateParams, TransactionEndedParams } from '../../shared/protocol';
import type { Logger } from '../runtime/logger';
import type { SessionListener } from '../connection/session-setup';
import { Instance } from './instance';

interface Entry {
  instance: Instance;
  /** The config exactly as last received, to skip re-validation when it is resent unchanged. */
  raw: string | undefined;
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
 * config's fingerprint changes; resending the same config is cheap.
 */
export class InstanceRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly onInstanceState: (params: InstanceStateParams) => void = () => undefined,
    private readonly onTransactionEnded: (params: TransactionEndedParams) => void = () => undefined,
    private readonly onSession: { opened(params: ConnectionOpenedParams): void; closed(params: ConnectionClosedParams): void } | undefined = undefined,
  ) {}

  /** The instance for `instanceId`, created or reconfigured from `config` when given. */
  resolve(instanceId: string, config: Record<string, unknown> | undefined): Instance {
    const entry = this.entries.get(instanceId);
    if (config === undefined) {
      if (!entry) throw Errors.configRequired(instanceId);
      return entry.instance;
    }
    const raw = rawKey(config);
    if (entry && raw !== undefined && entry.raw === raw) return entry.instance;
    const logger = this.logger.child({ instanceId });
    const candidate = new Instance({
      config: config as never,
      logger,
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
    logger.level = candidate.config.logging.level;
    if (entry && entry.instance.fingerprint === candidate.fingerprint) {
      entry.raw = raw;
      return entry.instance;
    }
    if (entry) {
      logger.info('configuration changed: replacing the pool');
      this.retire(entry.instance);
    }
    this.entries.set(instanceId, { instance: candidate, raw });
    return candidate;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Closes every instance (cancelling running statements) and forgets them. */
  async closeAll(): Promise<void> {
    const instances = [...this.entries.values()].map((e) => e.instance);
    this.entries.clear();
    await Promise.all([...instances.map((i) => i.close()), ...this.retiring]);
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
