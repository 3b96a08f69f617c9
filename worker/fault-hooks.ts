import fs from 'node:fs';

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

/** Runs a fault operation (`__faultBusyLoop`, `__faultCrash`); false when `operation` is not one. */
export function runFault(operation: string): boolean {
  if (!faultHooksEnabled) return false;
  if (operation === '__faultBusyLoop') {
    // A stuck event loop: nothing else runs in this process again.
    for (;;) {
      /* spin */
    }
  }
  if (operation === '__faultCrash') {
    process.kill(process.pid, 'SIGKILL');
    return true;
  }
  return false;
}
