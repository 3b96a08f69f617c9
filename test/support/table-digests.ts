import type pg from 'pg';

/**
 * Every user table of the database with a digest of its rows (minus `except`):
 * what "no other table was touched" compares before and after.
 */
export async function tableDigests(admin: pg.Pool, except: string[] = []): Promise<Record<string, string>> {
  const tables = await admin.query<{ t: string }>(
    "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
  );
  const out: Record<string, string> = {};
  for (const { t } of tables.rows.filter((r) => !except.includes(r.t))) {
    out[t] = (await admin.query<{ d: string }>(`SELECT coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '-') AS d FROM ${t} x`)).rows[0]!.d;
  }
  return out;
}
