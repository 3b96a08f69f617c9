import { Writable } from 'node:stream';
import pino from 'pino';

/** A real pino logger whose lines are kept in memory, to assert on what was logged. */
export function memoryLogger(level: pino.LevelWithSilent = 'debug'): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
