import type pg from 'pg';
import { onSessionEnding } from './pg-internals';

/**
 * Sessions the server (or a pooler) ended with a FATAL error, e.g. PgBouncer
 * refusing `BEGIN` in statement mode: pg answers the statement with the error
 * before the socket closes, so without this the pool could lend the dead
 * session to the next statement. Such a session is destroyed when released.
 */
const ended = new WeakSet<pg.ClientBase>();

/** Watches `client` (a new pooled connection) for a FATAL ErrorResponse. */
export function watchSessionEnding(client: pg.ClientBase): void {
  onSessionEnding(client, () => ended.add(client));
}

/** Whether the server said FATAL on this session. */
export function sessionEnded(client: pg.ClientBase): boolean {
  return ended.has(client);
}
