import type { PluginConfig } from '../../shared/config-schema';
import type { TransactionReason } from '../../shared/errors';
import type { PluginError } from '../../shared/plugin-error';
import type { InstanceState } from '../../shared/protocol';
import type { ConnectionBudget } from '../connection/connection-budget';
import type { SessionListener } from '../connection/session-setup';
import type { ConsoleLikeLogger } from '../runtime/console-logger';
import type { Logger } from '../runtime/logger';

/** Told when the instance's connectivity changes (the worker turns it into `instance/state`). Declared here, with no pg in sight, because the public context names it. */
export type StateListener = (state: InstanceState, attempt?: number, error?: PluginError) => void;

/** The plugin system's registry of shared services, as the plugin documentation's context carries it. */
export interface PluginServices {
  getService<T = unknown>(name: string): T | undefined;
  hasService(name: string): boolean;
}

/**
 * What the plugin is created with, in the plugin documentation's shape
 * `{ config, services, logger }`: its configuration, the host's services
 * (optional; the PostgreSQL plugin needs none) and a logger.
 */
export interface PluginContext {
  config: PluginConfig;
  services?: PluginServices;
  /** A pino logger, or anything with the console methods; by default pino on stderr at `config.logging.level`. */
  logger?: Logger | ConsoleLikeLogger;
  /** Told when connectivity changes: `connected`, `reconnecting` (with attempt), `failed`. */
  onStateChange?: StateListener;
  /**
   * The server-connection budget this plugin shares with others (the worker's
   * instances share one). Default: a budget of its own without a limit.
   */
  connectionBudget?: ConnectionBudget;
  /** Told when a transaction handle ends, for any reason (commit, rollback, idle timeout, close). */
  onTransactionEnded?: (transactionId: string, reason: TransactionReason) => void;
  /** @internal Told when a pooled session opens (its backend pid and cancel key) and closes: the worker's hook, kept out of the published declarations. */
  onSession?: SessionListener;
}

/** What an `Instance` is made from: the context with its logger made a pino logger. */
export interface InstanceContext extends Omit<PluginContext, 'logger' | 'services'> {
  logger?: Logger;
}
