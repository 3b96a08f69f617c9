import { z } from 'zod';
import { identifierSchema, tableRefSchema } from './schema-params';

/**
 * Params of the CRUD operations (DESIGN §4): insert, update, delete, find,
 * findOne, count, and the `where` language they share. Declarations only;
 * the SQL is built in `worker/crud/`.
 */

const timeout = z.number().int().min(1).max(2_147_483_647);
const transactionId = z.string().min(1).max(200);

/** A value that can be a bind parameter: any JSON value. */
const jsonValue = z.json();

/** `{ gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull }`: at least one, nothing else. */
export const whereOperatorSchema = z
  .object({
    gt: jsonValue.optional(),
    gte: jsonValue.optional(),
    lt: jsonValue.optional(),
    lte: jsonValue.optional(),
    ne: jsonValue.optional(),
    in: z.array(jsonValue).max(10_000).optional(),
    notIn: z.array(jsonValue).max(10_000).optional(),
    like: z.string().optional(),
    ilike: z.string().optional(),
    isNull: z.boolean().optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'an operator object needs at least one of gt, gte, lt, lte, ne, in, notIn, like, ilike, isNull');
export type WhereOperators = z.output<typeof whereOperatorSchema>;

/**
 * `{ col: value }` is equality (an array value compares with an array column;
 * use `{ in: [...] }` for membership), `{ col: null }` is IS NULL, and an
 * object is an operator object. Conditions are joined with AND.
 */
export const whereSchema = z.record(
  identifierSchema,
  z.union([z.null(), z.string(), z.number(), z.boolean(), z.array(jsonValue), whereOperatorSchema]),
);
export type Where = z.output<typeof whereSchema>;

/** Columns to return: a list, or `true` for every column. */
const returning = z.union([z.literal(true), z.array(identifierSchema).min(1).max(1_600)]);
const rowData = z.record(identifierSchema, jsonValue).refine((d) => Object.keys(d).length > 0, 'must set at least one column');

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
