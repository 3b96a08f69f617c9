import { z } from 'zod';

/**
 * Deepest nesting a bind parameter may have. pg turns nested arrays into
 * PostgreSQL array literals and objects into JSON recursively, so a value
 * nested thousands of levels deep would overflow the stack halfway through
 * writing a statement and break the connection. PostgreSQL arrays have at
 * most 6 dimensions; CRUD values have the same limit (crud-params).
 */
export const MAX_BIND_DEPTH = 64;

/** The path (below the value) where `value` nests deeper than MAX_BIND_DEPTH, or undefined. */
function tooDeep(value: unknown, depth: number): (string | number)[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const isArray = Array.isArray(value);
  // Buffers, Dates and class instances with toPostgres are pg's to encode; only arrays and plain objects nest.
  if (!isArray) {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) return undefined;
  }
  if (depth >= MAX_BIND_DEPTH) return [];
  if (isArray) {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const below = tooDeep(items[i], depth + 1);
      if (below) return [i, ...below];
    }
    return undefined;
  }
  for (const key in value) {
    const below = tooDeep((value as Record<string, unknown>)[key], depth + 1);
    if (below) return [key, ...below];
  }
  return undefined;
}

/** A statement's bind parameters: at most 65,535 (the protocol's limit), none nested too deep. */
export const bindParamsSchema = z
  .array(z.unknown())
  .max(65_535)
  .superRefine((params, ctx) => {
    for (let i = 0; i < params.length; i++) {
      const at = tooDeep(params[i], 0);
      if (at) ctx.addIssue({ code: 'custom', path: [i, ...at], message: `is nested more than ${MAX_BIND_DEPTH} levels deep` });
      if (at) return;
    }
  });
