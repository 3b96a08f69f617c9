import fs from 'node:fs';
import path from 'node:path';
import { GenericErrorCode } from '../shared/generic-plugin-errors';
import { ERROR_CODE_SYNTAX, PluginError } from '../shared/plugin-error';

/** What a documentation-style plugin's entry exports: `initialize(context)` returning the plugin instance. */
export interface PluginModule {
  initialize(context: unknown): unknown;
}

/** A plugin instance: its methods are the operations. */
export type PluginInstance = Record<string, unknown>;

/**
 * Loads the plugin's entry in this (the worker) process. A failing `require`
 * or a missing `initialize` export is PLUGIN_INITIALIZE_FAILED
 * naming the entry, never a crash.
 */
export function loadPluginModule(entry: string): PluginModule {
  const resolved = path.resolve(entry);
  if (!fs.existsSync(resolved)) throw initializeFailed(`entry ${resolved} does not exist`, resolved);
  let loaded: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(resolved);
  } catch (error) {
    throw initializeFailed(`loading ${resolved} failed: ${messageOf(error)}`, resolved);
  }
  const exports = loaded as { initialize?: unknown; default?: { initialize?: unknown } } | undefined;
  const initialize = exports?.initialize ?? exports?.default?.initialize;
  if (typeof initialize !== 'function') throw initializeFailed(`${resolved} exports no initialize(context) function`, resolved);
  return { initialize: initialize as PluginModule['initialize'] };
}

/** Calls the module's `initialize(context)`; its instance must be an object (its methods are the operations). */
export async function createInstance(module: PluginModule, context: unknown): Promise<PluginInstance> {
  let instance: unknown;
  try {
    instance = await module.initialize(context);
  } catch (error) {
    throw initializeFailed(`initialize(context) threw: ${messageOf(error)}`);
  }
  if (typeof instance !== 'object' || instance === null) {
    throw initializeFailed(`initialize(context) returned ${instance === null ? 'null' : typeof instance}, not the plugin instance`);
  }
  return instance as PluginInstance;
}

/** Methods an instance never serves as operations: what every object has, and private-looking names. */
const NOT_OPERATIONS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The instance's method for `operation`, or PLUGIN_UNKNOWN_OPERATION listing the ones it has. */
export function operationOf(instance: PluginInstance, operation: string): (...args: unknown[]) => unknown {
  const method = NOT_OPERATIONS.has(operation) || operation.startsWith('_') ? undefined : instance[operation];
  if (typeof method === 'function') return method as (...args: unknown[]) => unknown;
  throw new PluginError(GenericErrorCode.UNKNOWN_OPERATION, `Unknown operation '${operation}'`, { operation, operations: operationsOf(instance) }, false);
}

/** The names of an instance's methods (own and inherited, not Object's). */
export function operationsOf(instance: PluginInstance): string[] {
  const names = new Set<string>();
  for (let o: object | null = instance; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && !name.startsWith('_') && typeof (instance as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/** Ends an instance that is replaced or stopped, through the first of its closing methods it has. */
export async function disposeInstance(instance: PluginInstance): Promise<void> {
  for (const name of ['close', 'disconnect', 'shutdown', 'destroy']) {
    const method = instance[name];
    if (typeof method === 'function') {
      await (method as () => unknown).call(instance);
      return;
    }
  }
}

/**
 * What a plugin method threw, as an error of the wire: its own CONSTANT_CASE
 * `code` (and `details`, `retryable`) when it has them, else PLUGIN_ERROR.
 * Never its stack.
 */
export function fromThrown(error: unknown): PluginError {
  if (error instanceof PluginError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; details?: unknown; retryable?: unknown };
  const code = typeof e.code === 'string' && ERROR_CODE_SYNTAX.test(e.code) ? e.code : GenericErrorCode.ERROR;
  const details = isPlainObject(e.details) ? jsonCopy(e.details) : {};
  return new PluginError(code, messageOf(error), details, e.retryable === true);
}

function initializeFailed(reason: string, entry?: string): PluginError {
  return new PluginError(GenericErrorCode.INITIALIZE_FAILED, `Plugin could not be initialised: ${reason}`, entry ? { entry, reason } : { reason }, false);
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON copy of details, or `{}` when they can't be JSON. */
function jsonCopy(value: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
