import type { PluginConfig } from '../../shared/config-schema';
import type { TransactionReason } from '../../shared/errors';
import type { StateListener } from '../connection/connection-source';
import type { SessionListener } from '../connection/session-setup';
import type { Logger } from '../runtime/logger';

/** What the plugin is created with: its configuration and, optionally, a logger. */
export interface PluginContext {
  config: PluginConfig;
  /** A pino logger; by default one on stderr at `config.logging.level`. */
  logger?: Logger;
  /** Told when connectivity changes: `connected`, `reconnecting` (with attempt), `failed`. */
  onStateChange?: StateListener;
  /** Told when a transaction handle ends, for any reason (commit, rollback, idle timeout, close). */
  onTransactionEnded?: (transactionId: string, reason: TransactionReason) => void;
  /** Told when a pooled session opens (its backend pid and cancel key) and closes. */
  onSession?: SessionListener;
}
