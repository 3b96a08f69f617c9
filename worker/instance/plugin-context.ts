import type { PluginConfig } from '../../shared/config-schema';
import type { TransactionReason } from '../../shared/errors';
import type { ConnectionBudget } from '../connection/connection-budget';
import type { StateListener } from '../connection/connection-source';
import type { Logger } from '../runtime/logger';

/** What the plugin is created with: its configuration and, optionally, a logger. */
export interface PluginContext {
  config: PluginConfig;
  /** A pino logger; by default one on stderr at `config.logging.level`. */
  logger?: Logger;
  /** Told when connectivity changes: `connected`, `reconnecting` (with attempt), `failed`. */
  onStateChange?: StateListener;
  /**
   * The server-connection budget this plugin shares with others (the worker's
   * instances share one). Default: a budget of its own without a limit.
   */
  connectionBudget?: ConnectionBudget;
  /** Told when a transaction handle ends, for any reason (commit, rollback, idle timeout, close). */
  onTransactionEnded?: (transactionId: string, reason: TransactionReason) => void;
}
