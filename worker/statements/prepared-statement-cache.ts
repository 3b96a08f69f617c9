/**
 * Names for server-side prepared statements, one per distinct SQL text of an
 * instance. Bounded: past `capacity` texts, new ones run unnamed, so a caller
 * that builds SQL dynamically can't grow every session's memory without end.
 * Only plain DML/queries are named; DDL and session commands run unnamed.
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
    const name = PREPARABLE.test(sql) ? `pp_${(this.next++).toString(36)}` : null;
    this.names.set(sql, name);
    return name ?? undefined;
  }
}

const PREPARABLE = /^\s*(select|insert|update|delete|with|values)\b/i;
