import type { PluginConfig } from '../../shared/config-schema';
import type { StateListener } from '../connection/connection-source';
import type { Logger } from '../runtime/logger';

/** What the plugin is created with: its configuration and, optionally, a logger. */
export interface PluginContext {
  config: PluginConfig;
  /** A pino logger; by default one on stderr at `config.logging.level`. */
  logger?: Logger;
  /** Told when connectivity changes: `connected`, `reconnecting` (with attempt), `failed`. */
  onStateChange?: StateListener;
}
