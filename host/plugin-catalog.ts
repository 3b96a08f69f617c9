import type pino from 'pino';
import { z } from 'zod';
import { GenericErrorCode } from '../shared/generic-plugin-errors';
import { SERVICE_CALL_METHOD } from '../shared/generic-worker-protocol';
import { PluginError } from '../shared/plugin-error';
import { discoverPlugins, type DiscoveredPlugin, type PluginProblem } from './plugin-discovery';
import type { PluginDefinition } from './plugin-definition';

/** Options of `PluginManager` for plugins found in a folder. */
export interface PluginFolderOptions {
  /** Scanned at construction: each subfolder with a package.json is a plugin named by that package. */
  pluginsDir?: string;
  /** The config each `initialize(context)`-style plugin gets at the startup check, by plugin name (default `{}`). */
  startupConfigs?: Record<string, Record<string, unknown>>;
  /**
   * The host's services, by name: what a plugin served by the generic worker gets from
   * `context.services.getService(name)`. Its methods are called across the process
   * boundary, so they are asynchronous there and take and return JSON.
   */
  services?: Record<string, object>;
}

/** What `loadPlugins()` found: the plugins that work, and the folders (or plugins) that don't, with the reason. */
export interface PluginLoadReport {
  plugins: DiscoveredPlugin[];
  problems: PluginProblem[];
}

const serviceCallSchema = z.object({ service: z.string(), method: z.string(), args: z.array(z.unknown()) }).strict();
const NOT_METHODS = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The plugins of a folder, as the manager runs them: their definitions (with
 * the service calls the generic worker may make), the problems found, and the
 * plugins found broken at the startup check.
 */
export class PluginCatalog {
  readonly discovered: DiscoveredPlugin[];
  readonly problems: PluginProblem[];
  private readonly broken = new Map<string, PluginProblem>();

  constructor(
    private readonly options: PluginFolderOptions,
    private readonly logger: pino.Logger,
    reserved: ReadonlySet<string>,
  ) {
    for (const name of Object.keys(options.services ?? {})) {
      if (!/^[\w.-]+$/.test(name)) throw invalidService(name);
    }
    const found = options.pluginsDir === undefined ? { plugins: [], problems: [] } : discoverPlugins(options.pluginsDir, reserved, Object.keys(options.services ?? {}));
    this.discovered = found.plugins;
    this.problems = found.problems;
    for (const problem of found.problems) this.log(problem);
  }

  /** The definitions of the plugins found, by name. */
  definitions(): [string, PluginDefinition][] {
    const requestHandlers = { [SERVICE_CALL_METHOD]: (params: unknown) => this.callService(params) };
    return this.discovered.map((p) => [p.name, p.kind === 'module' ? { ...p.definition, requestHandlers, sandbox: false } : p.definition]);
  }

  /** The plugins served by the generic worker, which the startup check initialises once. */
  get modulePlugins(): DiscoveredPlugin[] {
    return this.discovered.filter((p) => p.kind === 'module');
  }

  startupConfig(name: string): Record<string, unknown> {
    return this.options.startupConfigs?.[name] ?? {};
  }

  /** A plugin failed its startup check: reported, and its calls answer why from now on. */
  markBroken(plugin: DiscoveredPlugin, reason: string): void {
    const problem = { path: plugin.path, name: plugin.name, reason };
    this.broken.set(plugin.name, problem);
    this.problems.push(problem);
    this.log(problem);
  }

  /** The error a call of a broken plugin answers, if `name` is one. */
  brokenError(name: string): PluginError | undefined {
    const problem = this.broken.get(name);
    if (!problem) return undefined;
    return new PluginError(GenericErrorCode.WORKER_UNAVAILABLE, `Worker unavailable: plugin '${name}' (${problem.path}) failed its startup check: ${problem.reason}`, { ...problem }, false);
  }

  /** The plugins that work and every problem found so far. */
  report(): PluginLoadReport {
    return { plugins: this.discovered.filter((p) => !this.broken.has(p.name)), problems: [...this.problems] };
  }

  /** Each problem is logged once, as an error naming the plugin and its folder. */
  private log(problem: PluginProblem): void {
    this.logger.error({ pluginPath: problem.path, ...(problem.name ? { plugin: problem.name } : {}), reason: problem.reason }, `plugin ${problem.name ? `'${problem.name}' ` : ''}at ${problem.path} not loaded: ${problem.reason}`);
  }

  /** A service call from a plugin's worker: the service's method, awaited; errors go back as the plugin's PLUGIN_ERROR. */
  private async callService(params: unknown): Promise<unknown> {
    const parsed = serviceCallSchema.safeParse(params);
    if (!parsed.success) throw new PluginError(GenericErrorCode.INVALID_PARAMS, 'Invalid service call', {}, false);
    const { service, method, args } = parsed.data;
    const target = this.options.services?.[service] as Record<string, unknown> | undefined;
    const fn = target === undefined || NOT_METHODS.has(method) ? undefined : target[method];
    if (typeof fn !== 'function') {
      throw new PluginError(GenericErrorCode.INVALID_PARAMS, `The host has no service method ${service}.${method}`, { service, method }, false);
    }
    try {
      const result = await (fn as (...a: unknown[]) => unknown).apply(target, args);
      return result === undefined ? null : result;
    } catch (error) {
      throw new PluginError(GenericErrorCode.ERROR, `Service ${service}.${method} failed: ${error instanceof Error ? error.message : String(error)}`, { service, method }, false);
    }
  }
}

function invalidService(name: string): PluginError {
  return new PluginError(GenericErrorCode.INVALID_PARAMS, `options.services: '${name}' is not a service name (letters, digits, _ . -)`, { service: name }, false);
}
