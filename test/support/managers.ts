import fs from 'node:fs';
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

/**
 * Whether the process still runs. A zombie does not: it has exited and holds
 * nothing but its entry in the process table. An orphan (its host was killed)
 * is reaped by pid 1, which on this project's machines takes up to ~2 s after
 * the exit, so `kill(pid, 0)` alone would call it alive.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    // Gone between the two looks (reaped), or no /proc at all (not Linux): then kill(pid, 0) is all there is.
    return !fs.existsSync('/proc/self');
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
