import { z } from 'zod';
import { identifierSchema, tableRefSchema } from './schema-params';
import { timeoutMsSchema } from './timeout-limits';
import { walkColumnMap, walkWhere } from './wire-params';
import { UNREPRESENTABLE, ValueChecker } from './wire-values';

/**
 * Params of the CRUD operations (docs/plugin-api.md): insert, update, delete, find,
 * findOne, count, and the `where` language they share. Declarations only;
 * the SQL is built in `worker/crud/`.
 */

const timeout = timeoutMsSchema;
const transactionId = z.string().min(1).max(200);

/**
 * A column value after the shared value rules ran on it (wire-values): a JSON
 * value, or bytes (from `{ "$bytea": base64 }` or a Buffer), or the text of
 * `{ "$json": text }`. The rules are stricter than z.json(), so the schema only
 * declares it.
 */
const columnValue = z.unknown().describe('a JSON value; bytes as { "$bytea": "<base64>" }, exact JSON text as { "$json": "<text>" }');
const bytes = z.instanceof(Uint8Array);

/**
 * A map of column → value (`data`, `where`): column names are identifiers and
 * every value, however deep, passes the shared value rules (walk: the column
 * map's or the where grammar's), a problem reported at its own path. Run on the
 * raw input because zod's records quietly drop a key named `__proto__`: a
 * dropped `where` condition would widen an update or a delete.
 */
function columnMap<V extends z.ZodType>(walk: typeof walkColumnMap, value: V) {
  // Typed for callers as a column → value object (what the compiler checks); the walk still takes anything.
  return z.preprocess((input: Record<string, unknown>, ctx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input; // the record says what it expects
    for (const key of Object.keys(input)) {
      // Reported on the map itself: a path ending in an empty or odd key reads badly.
      const bad = identifierSchema.safeParse(key);
      if (!bad.success) ctx.addIssue({ code: 'custom', message: `column name '${key}' ${bad.error.issues[0]?.message ?? 'is not valid'}`, input });
    }
    const checker = new ValueChecker('column', 'receive');
    const out = walk(checker, input);
    if (out !== UNREPRESENTABLE) return out;
    ctx.addIssue({ code: 'custom', message: checker.problem!.message, path: checker.problem!.path, input });
    return input;
  }, z.record(identifierSchema, value));
}

/** SQL compares nothing to NULL: `{ gt: null }` or `{ in: [null] }` would silently match no row. */
const notNull = <T>(schema: z.ZodType<T>) => schema.refine((v) => v !== null, 'null matches no row in a comparison; use isNull (or { col: null })');

const OPERATORS = 'gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull';

/** `{ gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull }`: at least one, nothing else. */
export const whereOperatorSchema = z
  .object({
    gt: notNull(columnValue).optional(),
    gte: notNull(columnValue).optional(),
    lt: notNull(columnValue).optional(),
    lte: notNull(columnValue).optional(),
    ne: columnValue.optional(),
    in: z.array(notNull(columnValue)).max(10_000).optional(),
    notIn: z.array(notNull(columnValue)).max(10_000).optional(),
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
export const whereSchema = columnMap(walkWhere, z.union([z.null(), z.string(), z.number(), z.boolean(), z.array(columnValue), bytes, whereOperatorSchema]));
export type Where = z.output<typeof whereSchema>;

/** Columns to return: a list, or `true` for every column. */
const returning = z.union([z.literal(true), z.array(identifierSchema).min(1).max(1_600)]);
const rowData = columnMap(walkColumnMap, columnValue).refine((d) => Object.keys(d).length > 0, 'must set at least one column');

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
