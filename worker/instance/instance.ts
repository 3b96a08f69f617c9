import { CONFIG_DEFAULTS } from '../../shared/config-defaults';
import { configFingerprint } from '../../shared/config-fingerprint';
import { normalizeConfig, pluginConfigSchema, type NormalizedConfig, type PluginConfig } from '../../shared/config-schema';
import type { StatementParams } from '../../shared/operation-params';
import type { QueryResult } from '../../shared/results';
import { parseOrThrow } from '../../shared/validation';
import type { Cancellation } from '../statements/cancellation';
import { ConnectionSource, type StateListener } from '../connection/connection-source';
import type { ErrorContext } from '../connection/error-mapping';
import { createLogger, type Logger } from '../runtime/logger';
import { endpointOf, secretsOf } from '../connection/pool-options';
import { StatementLanes } from '../statements/statement-lanes';
import { StatementRunner } from '../statements/statement-runner';
import { TransactionStore } from '../transactions/transaction-store';

/** What the plugin is created with: its configuration and, optionally, a logger. */
export interface PluginContext {
  config: PluginConfig;
  /** A pino logger; by default one on stderr at `config.logging.level`. */
  logger?: Logger;
  /** Told when connectivity changes: `connected`, `reconnecting` (with attempt), `failed`. */
  onStateChange?: StateListener;
}

/** Everything one configuration of the plugin runs on: its pool, statement paths and transaction handles. */
export interface PluginState {
  config: NormalizedConfig;
  errorContext: Omit<ErrorContext, 'phase'>;
  fingerprint: string;
  source: ConnectionSource;
  runner: StatementRunner;
  /** Present when `options.pipelining` is on. */
  lanes: StatementLanes | undefined;
  transactions: TransactionStore;
}

export function createState(context: PluginContext, alone: (p: StatementParams, cancellation: Cancellation | undefined) => Promise<QueryResult>): PluginState {
  const config = normalizeConfig(parseOrThrow(pluginConfigSchema, context.config, 'config'));
  const logger = context.logger ?? createLogger(config.logging.level);
  const endpoint = endpointOf(config);
  const errorContext = { ...endpoint, secrets: secretsOf(config) };
  const source = new ConnectionSource(config, logger, errorContext, context.onStateChange);
  const runner = new StatementRunner(config, logger, errorContext, CONFIG_DEFAULTS.preparedStatementCacheSize);
  return {
    config,
    errorContext,
    fingerprint: configFingerprint(config),
    source,
    runner,
    lanes: config.options.pipelining ? new StatementLanes(source, runner, logger, config.pool.max, config.options.queryTimeout, alone) : undefined,
    transactions: new TransactionStore(source, runner, config.options.transactionIdleTimeout, errorContext, logger),
  };
}

