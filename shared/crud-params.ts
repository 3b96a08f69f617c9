import { z } from 'zod';
import { identifierSchema, tableRefSchema } from './schema-params';
import { timeoutMsSchema } from './timeout-limits';

/**
 * Params of the CRUD operations (DESIGN §4): insert, update, delete, find,
 * findOne, count, and the `where` language they share. Declarations only;
 * the SQL is built in `worker/crud/`.
 */

const timeout = timeoutMsSchema;
const transactionId = z.string().min(1).max(200);

/** A value that can be a bind parameter: any JSON value. */
const jsonValue = z.json();

/** Deepest nesting of a value; also stops a cyclic in-process object from overflowing the stack. */
const MAX_DEPTH = 64;

/**
 * Why `value` is not a JSON value, and where inside it, or `undefined`. Run
 * on the raw input because zod's records and z.json() quietly drop a key
 * named `__proto__`: a dropped `where` condition would widen an update or a
 * delete. Values from the wire are JSON already; this catches what in-process
 * callers pass (Date, undefined, bigint, NaN, class instances).
 */
function jsonProblem(value: unknown, path: (string | number)[], depth: number): { path: (string | number)[]; message: string } | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, message: `must be a finite number (JSON has no ${value})` };
  if (depth > MAX_DEPTH) return { path, message: `is nested more than ${MAX_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], [...path, i], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as object).constructor?.name ?? 'object';
      const hint = value instanceof Date ? ' (send timestamps as ISO-8601 strings)' : '';
      return { path, message: `must be a JSON value, not a ${name}${hint}` };
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { path: [...path, key], message: "a key named '__proto__' is not accepted here (it would be lost in validation); use query" };
      const problem = jsonProblem((value as Record<string, unknown>)[key], [...path, key], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (value === undefined) return { path, message: 'must be a JSON value, not undefined (leave the key out, or use null)' };
  return { path, message: `must be a JSON value, not a ${typeof value}${typeof value === 'bigint' ? ' (send it as a string)' : ''}` };
}

/**
 * A map of column → value (`data`, `where`): column names are identifiers and
 * every value, however deep, is JSON; a problem is reported at its own path.
 */
function columnMap<V extends z.ZodType>(value: V) {
  return z.preprocess((input, ctx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input; // the record says what it expects
    for (const key of Object.keys(input)) {
      // Reported on the map itself: a path ending in an empty or odd key reads badly.
      const bad = identifierSchema.safeParse(key);
      if (!bad.success) ctx.addIssue({ code: 'custom', message: `column name '${key}' ${bad.error.issues[0]?.message ?? 'is not valid'}`, input });
    }
    const problem = jsonProblem(input, [], 0);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path, input });
    return input;
  }, z.record(identifierSchema, value));
}

/** SQL compares nothing to NULL: `{ gt: null }` or `{ in: [null] }` would silently match no row. */
const notNull = <T>(schema: z.ZodType<T>) => schema.refine((v) => v !== null, 'null matches no row in a comparison; use isNull (or { col: null })');

const OPERATORS = 'gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull';

/** `{ gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull }`: at least one, nothing else. */
export const whereOperatorSchema = z
  .object({
    gt: notNull(jsonValue).optional(),
    gte: notNull(jsonValue).optional(),
    lt: notNull(jsonValue).optional(),
    lte: notNull(jsonValue).optional(),
    ne: jsonValue.optional(),
    in: z.array(notNull(jsonValue)).max(10_000).optional(),
    notIn: z.array(notNull(jsonValue)).max(10_000).optional(),
    like: z.string().optional(),
    ilike: z.string().optional(),
    isNull: z.boolean().optional(),
  })
  .strict()
  // Only for `{}`: an object with an unknown key already has its own, more precise, issue.
  .refine((o) => Object.keys(o).length > 0, { message: `an operator object needs at least one of ${OPERATORS}`, when: (payload) => payload.issues.length === 0 });
export type WhereOperators = z.output<typeof whereOperatorSchema>;

/**
 * `{ col: value }` is equality (an array value compares with an array column;
 * use `{ in: [...] }` for membership), `{ col: null }` is IS NULL, and an
 * object is an operator object. Conditions are joined with AND.
 */
export const whereSchema = columnMap(z.union([z.null(), z.string(), z.number(), z.boolean(), z.array(jsonValue), whereOperatorSchema]));
export type Where = z.output<typeof whereSchema>;

/** Columns to return: a list, or `true` for every column. */
const returning = z.union([z.literal(true), z.array(identifierSchema).min(1).max(1_600)]);
const rowData = columnMap(jsonValue).refine((d) => Object.keys(d).length > 0, 'must set at least one column');

const common = { timeout: timeout.optional(), transactionId: transactionId.optional() };

export const insertParamsSchema = z.object({ table: tableRefSchema, data: rowData, returning: returning.optional(), ...common }).strict();
export const updateParamsSchema = z
  .object({ table: tableRefSchema, data: rowData, where: whereSchema, returning: returning.optional(), allowAll: z.boolean().optional(), ...common })
  .strict();
export const deleteParamsSchema = z
  .object({ table: tableRefSchema, where: whereSchema, returning: returning.optional(), allowAll: z.boolean().optional(), ...common })
  .strict();

const orderBy = z.union([
  identifierSchema,
  z.array(z.union([identifierSchema, z.object({ column: identifierSchema, direction: z.enum(['asc', 'desc', 'ASC', 'DESC']).optional() }).strict()])).max(32),
]);

export const findParamsSchema = z
  .object({
    table: tableRefSchema,
    where: whereSchema.optional(),
    select: z.array(identifierSchema).min(1).max(1_600).optional(),
    orderBy: orderBy.optional(),
    limit: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    offset: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    ...common,
  })
  .strict();
export const findOneParamsSchema = z
  .object({ table: tableRefSchema, where: whereSchema, select: z.array(identifierSchema).min(1).max(1_600).optional(), ...common })
  .strict();
export const countParamsSchema = z.object({ table: tableRefSchema, where: whereSchema.optional(), ...common }).strict();

export type InsertParams = z.output<typeof insertParamsSchema>;
export type UpdateParams = z.output<typeof updateParamsSchema>;
export type DeleteParams = z.output<typeof deleteParamsSchema>;
export type FindParams = z.output<typeof findParamsSchema>;
export type FindOneParams = z.output<typeof findOneParamsSchema>;
export type CountParams = z.output<typeof countParamsSchema>;
