import { isPreparable } from '../sql/statement-kinds';

/** The plugin's own server-side prepared statements are named with this prefix; callers may not use it. */
export const PREPARED_NAME_PREFIX = 'postgres_plugin_';

/**
 * Names for server-side prepared statements, one per distinct SQL text of an
 * instance. Bounded: past `capacity` texts, new ones run unnamed, so a caller
 * that builds SQL dynamically can't grow every session's memory without end.
 * Only one plain SELECT/INSERT/UPDATE/DELETE is named; anything else runs unnamed.
 */
export class PreparedStatementCache {
  private readonly names = new Map<string, string | null>();
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** The statement name for `sql`, or undefined when it should run unnamed. */
  nameFor(sql: string): string | undefined {
    const known = this.names.get(sql);
    if (known !== undefined) return known ?? undefined;
    if (this.names.size >= this.capacity) return undefined;
    const name = isPreparable(sql) ? `${PREPARED_NAME_PREFIX}${(this.next++).toString(36)}` : null;
    this.names.set(sql, name);
    return name ?? undefined;
  }
}
