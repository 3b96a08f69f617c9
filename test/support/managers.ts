import { BUNDLED_WORKER, PluginManager, type PluginManagerOptions } from '../../host';
import { memoryLogger } from './memory-logger';

/** A PluginManager whose `postgres-plugin` worker has the test-only fault hooks enabled. */
export function faultyManager(options: PluginManagerOptions = {}, env: NodeJS.ProcessEnv = {}): PluginManager {
  return new PluginManager({
    logger: memoryLogger('warn').logger,
    ...options,
    plugins: {
      'postgres-plugin': {
        command: process.execPath,
        args: [BUNDLED_WORKER],
        env: { ...process.env, POSTGRES_PLUGIN_FAULT_HOOKS: '1', ...env },
      },
    },
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
