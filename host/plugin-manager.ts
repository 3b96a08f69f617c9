import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { Errors } from '../shared/errors';
import { PluginError } from '../shared/plugin-error';
import { Method, PLUGIN_NAME } from '../shared/protocol';
import { LOG_REDACT_PATHS, REDACTED } from '../shared/redaction';
import type { Framing } from '../shared/transport/framing';
import { failed, ok, type PluginResult } from './envelope';
import { WorkerProcess } from './worker-process';

/** How to start a plugin's worker. */
export interface PluginDefinition {
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export interface PluginManagerOptions {
  /** Host logger; worker logs are re-emitted through it. Default: pino on stderr at `info`. */
  logger?: pino.Logger;
  /** Extra or replacement plugins by name; `postgres-plugin` is always known. */
  plugins?: Record<string, PluginDefinition>;
  framing?: Framing;
  /** Bound on spawn → initialize answered (ms). */
  startTimeoutMs?: number;
  /** Bound on a graceful worker stop before SIGKILL (ms). */
  stopTimeoutMs?: number;
  hostName?: string;
}

const DEFAULTS = Object.freeze({ framing: 'content-length' as Framing, startTimeoutMs: 10_000, stopTimeoutMs: 2_000 });

/**
 * The bundled worker: `dist/worker/main.js` beside this file's `dist/host/`
 * (or, when this file runs from source as in the tests, the built one in `dist/`).
 */
export const BUNDLED_WORKER = [
  path.join(__dirname, '..', 'worker', 'main.js'),
  path.join(__dirname, '..', 'dist', 'worker', 'main.js'),
].find((candidate) => fs.existsSync(candidate)) ?? path.join(__dirname, '..', 'worker', 'main.js');

interface Slot {
  name: string;
  definition: PluginDefinition;
  worker: WorkerProcess | undefined;
  starting: Promise<WorkerProcess> | undefined;
  /** instanceId → the config (as JSON) this worker has; cleared when the worker changes. */
  configs: Map<string, string>;
}

/**
 * Runs plugin operations in worker processes and returns the documented
 * envelope `{ success, data | error }`; it never throws for plugin errors.
 *
 * ```ts
 * const plugins = new PluginManager();
 * const res = await plugins.executePlugin('postgres-plugin', 'user-123:production-db', config, 'query', { sql: 'SELECT 1' });
 * await plugins.shutdown();
 * ```
 */
export class PluginManager {
  private readonly logger: pino.Logger;
  private readonly slots = new Map<string, Slot>();
  private readonly options: Required<Omit<PluginManagerOptions, 'logger' | 'plugins' | 'hostName'>> & { hostName?: string };
  private readonly definitions: Map<string, PluginDefinition>;
  private closed = false;

  constructor(options: PluginManagerOptions = {}) {
    this.logger =
      options.logger ??
      pino({ level: 'info', redact: { paths: [...LOG_REDACT_PATHS], censor: REDACTED } }, pino.destination({ dest: 2, sync: false }));
    this.options = {
      framing: options.framing ?? DEFAULTS.framing,
      startTimeoutMs: options.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      stopTimeoutMs: options.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
      ...(options.hostName !== undefined ? { hostName: options.hostName } : {}),
    };
    this.definitions = new Map<string, PluginDefinition>([
      [PLUGIN_NAME, { command: process.execPath, args: [BUNDLED_WORKER] }],
      ...Object.entries(options.plugins ?? {}),
    ]);
  }

  /**
   * Runs `operation` for `instanceId` in the plugin's worker, starting the
   * worker on first use. `config` is sent only when the worker lacks it or it
   * changed.
   */
  async executePlugin<T = unknown>(
    pluginName: string,
    instanceId: string,
    config: Record<string, unknown> | undefined,
    operation: string,
    params?: Record<string, unknown>,
  ): Promise<PluginResult<T>> {
    let slot: Slot;
    let worker: WorkerProcess;
    try {
      slot = this.slot(pluginName);
      worker = slot.worker ?? (await this.startWorker(slot));
    } catch (error) {
      return failed(asPluginError(error));
    }
    const raw = config === undefined ? undefined : JSON.stringify(config);
    const sendConfig = raw !== undefined && slot.configs.get(instanceId) !== raw;
    const request: Record<string, unknown> = { instanceId, operation };
    if (params !== undefined) request.params = params;
    if (sendConfig) {
      request.config = config;
      slot.configs.set(instanceId, raw);
    }
    try {
      return ok(await worker.request<T>(Method.execute, request));
    } catch (error) {
      // The worker may have refused the config: send it again next time.
      if (sendConfig && slot.configs.get(instanceId) === raw) slot.configs.delete(instanceId);
      return failed(asPluginError(error));
    }
  }

  /** Stops every worker: `shutdown` (transactions rolled back, pools ended), `exit`, SIGKILL after the bound. */
  async shutdown(): Promise<void> {
    this.closed = true;
    const workers = [...this.slots.values()].map((slot) => slot.worker ?? slot.starting?.catch(() => undefined));
    this.slots.clear();
    await Promise.all(workers.map(async (w) => (await w)?.stop()));
  }

  /** The pid of a plugin's running worker, if any (for supervision and tests). */
  workerPid(pluginName: string = PLUGIN_NAME): number | undefined {
    return this.slots.get(pluginName)?.worker?.pid;
  }

  private slot(pluginName: string): Slot {
    const existing = this.slots.get(pluginName);
    if (existing) return existing;
    if (this.closed) throw Errors.workerUnavailable('the plugin manager was shut down');
    const definition = this.definitions.get(pluginName);
    if (!definition) {
      throw new PluginError('POSTGRES_INVALID_PARAMS', `Invalid params: pluginName: unknown plugin '${pluginName}'`, {
        issues: [{ path: 'pluginName', message: `unknown plugin '${pluginName}'` }],
        plugins: [...this.definitions.keys()],
      });
    }
    const slot: Slot = { name: pluginName, definition, worker: undefined, starting: undefined, configs: new Map() };
    this.slots.set(pluginName, slot);
    return slot;
  }

  private startWorker(slot: Slot): Promise<WorkerProcess> {
    slot.starting ??= (async () => {
      const worker = new WorkerProcess({
        command: slot.definition.command,
        args: [...slot.definition.args, '--framing', this.options.framing],
        framing: this.options.framing,
        ...(slot.definition.env ? { env: slot.definition.env } : {}),
        logger: this.logger.child({ plugin: slot.name }),
        startTimeoutMs: this.options.startTimeoutMs,
        stopTimeoutMs: this.options.stopTimeoutMs,
        ...(this.options.hostName ? { hostName: this.options.hostName } : {}),
      });
      worker.onExit((exit) => {
        if (slot.worker === worker) {
          slot.worker = undefined;
          slot.configs.clear();
          if (!this.closed) this.logger.warn({ plugin: slot.name, exitCode: exit.exitCode, signal: exit.signal }, 'worker exited');
        }
      });
      try {
        await worker.start();
        slot.worker = worker;
        return worker;
      } catch (error) {
        throw Errors.workerUnavailable(`worker failed to start: ${(error as Error).message}`, {
          stderr: worker.stderrTail.slice(-5),
        });
      } finally {
        slot.starting = undefined;
      }
    })();
    return slot.starting;
  }
}

function asPluginError(error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  return Errors.workerCrashed({ reason: error instanceof Error ? error.message : String(error) });
}
