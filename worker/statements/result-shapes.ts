import type { ExecuteResult, QueryResult } from '../../shared/results';

/** The first row, or `null` (queryOne). */
export function firstRow<Row>(result: QueryResult<Row>): Row | null {
  return result.rows.length > 0 ? result.rows[0]! : null;
}

export function firstValue(result: QueryResult<unknown>): unknown {
  const row = result.rows[0];
  if (row === undefined) return null;
  if (Array.isArray(row)) return row.length > 0 ? (row[0] ?? null) : null;
  const first = result.fields[0];
  return first ? ((row as Record<string, unknown>)[first.name] ?? null) : null;
}

export function toExecuteResult(result: QueryResult<unknown>): ExecuteResult {
  return { rowCount: result.rowCount, command: result.command };
}

