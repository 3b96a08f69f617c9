import type pino from 'pino';
import { BUNDLED_WORKER, PluginManager, type PluginManagerOptions } from '../../host';
import { memoryLogger } from './memory-logger';

/** A PluginManager that logs at `level` into memory (nobody reads it): quiet test output. */
export function quietManager(level: pino.LevelWithSilent = 'warn', options: PluginManagerOptions = {}): PluginManager {
  return new PluginManager({ ...options, logger: memoryLogger(level).logger });
}

/** A quiet PluginManager whose bundled `postgres-plugin` worker runs with `env` added to this process's environment. */
export function workerEnvManager(env: NodeJS.ProcessEnv, options: PluginManagerOptions = {}): PluginManager {
  return new PluginManager({
    logger: memoryLogger('warn').logger,
    ...options,
    plugins: {
      'postgres-plugin': {
        command: process.execPath,
        args: [BUNDLED_WORKER],
        env: { ...process.env, ...env },
      },
    },
  });
}

/** A PluginManager whose `postgres-plugin` worker has the test-only fault hooks enabled. */
export function faultyManager(options: PluginManagerOptions = {}, env: NodeJS.ProcessEnv = {}): PluginManager {
  return workerEnvManager({ POSTGRES_PLUGIN_FAULT_HOOKS: '1', ...env }, options);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every `stepMs` until it holds (true) or `timeoutMs` has passed (false). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
