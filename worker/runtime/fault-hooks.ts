import childProcess from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Misbehaviour on purpose, for the fault tests only: it exists when the
 * environment says `POSTGRES_PLUGIN_FAULT_HOOKS=1` and is absent otherwise
 * (no operation, no behaviour, nothing in `initialize`'s operation list).
 */
export const faultHooksEnabled = process.env.POSTGRES_PLUGIN_FAULT_HOOKS === '1';

/** Exits at once when the configured marker file exists: a worker that dies at start. */
export function maybeDieAtStart(): void {
  const marker = process.env.POSTGRES_PLUGIN_FAULT_EXIT_AT_START_FILE;
  if (faultHooksEnabled && marker && fs.existsSync(marker)) process.exit(3);
}

/** What a sandbox probe attempted and what the process allowed. */
export interface SandboxProbe {
  attempted: 'write-file' | 'spawn';
  allowed: boolean;
  code?: string;
}

/** Tries something a sandboxed worker must not do (`__faultWriteFile`, `__faultSpawn`). */
export function probeSandbox(operation: string): SandboxProbe | undefined {
  if (!faultHooksEnabled) return undefined;
  const attempt = (attempted: SandboxProbe['attempted'], fn: () => void): SandboxProbe => {
    try {
      fn();
      return { attempted, allowed: true };
    } catch (error) {
      return { attempted, allowed: false, code: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  };
  if (operation === '__faultWriteFile') {
    return attempt('write-file', () => fs.writeFileSync(path.join(os.tmpdir(), `sandbox-probe-${process.pid}`), 'escaped'));
  }
  if (operation === '__faultSpawn') {
    return attempt('spawn', () => {
      const result = childProcess.spawnSync('true');
      if (result.error) throw result.error;
    });
  }
  return undefined;
}

/** Runs a fault operation (`__faultBusyLoop`, `__faultAllocate`, `__faultCrash`, `__faultStdout`); false when `operation` is not one. */
export function runFault(operation: string, params?: unknown): boolean {
  if (!faultHooksEnabled) return false;
  if (operation === '__faultStdout') {
    // Bytes outside any frame on the protocol stream, as a library that prints to stdout would write.
    const text = (params as { text?: unknown } | undefined)?.text;
    process.stdout.write(typeof text === 'string' ? text : 'stray output\n');
    return true;
  }
  if (operation === '__faultBusyLoop') {
    // A stuck event loop: nothing else runs in this process again.
    for (;;) {
      /* spin */
    }
  }
  if (operation === '__faultAllocate') {
    // Runaway memory: the heap grows until V8's limit (--max-old-space-size) ends the process.
    const held: number[][] = [];
    for (;;) held.push(new Array<number>(1_000_000).fill(held.length));
  }
  if (operation === '__faultCrash') {
    process.kill(process.pid, 'SIGKILL');
    return true;
  }
  return false;
}
