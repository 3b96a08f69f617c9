import { format } from 'node:util';
import type pino from 'pino';

/** The logger a plugin gets: the console methods, each line a pino line on stderr, which the host logs. */
export interface PluginLogger {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  trace(...args: unknown[]): void;
}

/** The plugin system's registry of the host's services, as the documentation's context has it. */
export interface PluginServices {
  getService<T = unknown>(name: string): T | undefined;
  hasService(name: string): boolean;
}

/** Calls `method` of the host's service `service` with JSON arguments; resolves to its JSON result. */
export type ServiceCall = (service: string, method: string, args: unknown[]) => Promise<unknown>;

/** The documentation's context `{ config, services, logger }` for one instance. */
export interface WorkerPluginContext {
  config: Record<string, unknown>;
  services: PluginServices;
  logger: PluginLogger;
}

/** Console methods over pino: the message is `util.format` of the arguments, as console prints them. */
export function pluginLogger(logger: pino.Logger): PluginLogger {
  const at = (level: pino.Level) => (...args: unknown[]) => logger[level](format(...args));
  return { log: at('info'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace') };
}

/**
 * The host's services seen from the worker: `getService(name)` is a proxy whose
 * every method is an asynchronous call into the host process (arguments and
 * results travel as JSON), so a plugin uses them as it would in process, with
 * `await`. Only the names the host offered exist.
 */
export function pluginServices(names: readonly string[], call: ServiceCall): PluginServices {
  const offered = new Set(names);
  const proxies = new Map<string, unknown>();
  return {
    hasService: (name) => offered.has(name),
    getService<T>(name: string): T | undefined {
      if (!offered.has(name)) return undefined;
      let proxy = proxies.get(name);
      if (proxy === undefined) {
        proxy = new Proxy(
          {},
          {
            // `then` stays undefined so a service can be awaited or returned without being taken for a promise.
            get: (_target, method) => (typeof method !== 'string' || method === 'then' ? undefined : (...args: unknown[]) => call(name, method, args)),
          },
        );
        proxies.set(name, proxy);
      }
      return proxy as T;
    },
  };
}
