import type pg from 'pg';

/**
 * Which sessions of the server to look at in `pg_stat_activity` (every
 * database of it unless `database` is given); the conditions are ANDed.
 */
export interface SessionFilter {
  /** `datname =` */
  database?: string;
  /** `application_name =` */
  applicationName?: string;
  /** `state =`, or one of a list. */
  state?: string | readonly string[];
  /** `state LIKE` */
  stateLike?: string;
  /** `query =`: the exact statement text. */
  query?: string;
  /** `query LIKE` */
  queryLike?: string;
}

/** How many server sessions match, seen from `admin`. */
export async function countSessions(admin: pg.Pool, filter: SessionFilter): Promise<number> {
  const { where, values } = conditions(filter);
  return (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity${where}`, values)).rows[0]!.n;
}

/** The matching server sessions, with what they are doing (the first 80 characters of their statement). */
export async function listSessions(admin: pg.Pool, filter: SessionFilter): Promise<{ pid: number; state: string | null; query: string }[]> {
  const { where, values } = conditions(filter);
  return (await admin.query(`SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity${where}`, values)).rows;
}

function conditions(filter: SessionFilter): { where: string; values: unknown[] } {
  const values: unknown[] = [];
  const parts: string[] = [];
  const add = (sql: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    parts.push(sql(`$${values.length}`));
  };
  if (filter.database !== undefined) add((p) => `datname = ${p}`, filter.database);
  if (filter.applicationName !== undefined) add((p) => `application_name = ${p}`, filter.applicationName);
  if (typeof filter.state === 'string') add((p) => `state = ${p}`, filter.state);
  else if (filter.state !== undefined) add((p) => `state = ANY(${p}::text[])`, [...filter.state]);
  if (filter.stateLike !== undefined) add((p) => `state LIKE ${p}`, filter.stateLike);
  if (filter.query !== undefined) add((p) => `query = ${p}`, filter.query);
  if (filter.queryLike !== undefined) add((p) => `query LIKE ${p}`, filter.queryLike);
  return { where: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', values };
}
