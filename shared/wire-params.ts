import { tagOf } from './tagged-values';
import { describeIssues, invalidParams } from './validation';
import { UNREPRESENTABLE, ValueChecker, type Direction, type ValueProblem } from './wire-values';

/**
 * Where an operation's params hold values, and the walk of each: bind
 * parameter lists (`params`, `operations[i].params`), column maps (`data`,
 * batch `records[i]`) and `where` objects, with the ValueChecker's rules.
 * The worker's schemas run the same walks on what they received; the host
 * runs `checkOperationParams` on a whole params object before sending it, so
 * both refuse the same values with the same paths.
 */

type Walk = (checker: ValueChecker, value: unknown) => unknown;

/** A statement's bind parameters: each a value position. */
export const walkBindList: Walk = (checker, list) => {
  if (!Array.isArray(list)) return list;
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const next = checker.value(list[i]);
    if (next === UNREPRESENTABLE) return checker.below(i);
    if (next !== list[i]) (out ??= list.slice())[i] = next;
  }
  return out ?? list;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Each own key's value through `walk`, copying the object only if one changes. */
function eachKey(checker: ValueChecker, map: Record<string, unknown>, walk: (value: unknown) => unknown): unknown {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(map)) {
    if (key === '__proto__') {
      checker.fail("a key named '__proto__' is not accepted here (it would be lost in validation); use query");
      return checker.below(key);
    }
    const next = walk(map[key]);
    if (next === UNREPRESENTABLE) return checker.below(key);
    if (next !== map[key]) (out ??= { ...map })[key] = next;
  }
  return out ?? map;
}

/** `data`, a batch record: column → value (a value position each). Anything but an object is left for the schema to name. */
export const walkColumnMap: Walk = (checker, map) => (isObject(map) && !(map instanceof Uint8Array) ? eachKey(checker, map, (v) => checker.value(v)) : map);

/** `where`: column → a value, or an operator object whose operands are value positions. */
export const walkWhere: Walk = (checker, where) => {
  if (!isObject(where)) return where;
  return eachKey(checker, where, (condition) => {
    const proto = isObject(condition) ? (Object.getPrototypeOf(condition) as object | null) : undefined;
    const operators = (proto === Object.prototype || proto === null) && tagOf(condition as object) === undefined;
    return operators ? eachKey(checker, condition as Record<string, unknown>, (operand) => checker.value(operand)) : checker.value(condition);
  });
};

const walkRecords: Walk = (checker, records) => {
  if (!Array.isArray(records)) return records;
  let out: unknown[] | undefined;
  for (let i = 0; i < records.length; i++) {
    const next = walkColumnMap(checker, records[i]);
    if (next === UNREPRESENTABLE) return checker.below(i);
    if (next !== records[i]) (out ??= records.slice())[i] = next;
  }
  return out ?? records;
};

const walkOperations: Walk = (checker, operations) => {
  if (!Array.isArray(operations)) return operations;
  let out: unknown[] | undefined;
  for (let i = 0; i < operations.length; i++) {
    const op = operations[i];
    if (!isObject(op) || op.params === undefined) continue;
    const params = walkBindList(checker, op.params);
    if (params === UNREPRESENTABLE) {
      checker.below('params');
      return checker.below(i);
    }
    if (params !== op.params) (out ??= operations.slice())[i] = { ...op, params };
  }
  return out ?? operations;
};

const statement = { params: walkBindList };
const VALUE_FIELDS: Record<string, Record<string, Walk>> = {
  query: statement,
  queryOne: statement,
  queryValue: statement,
  execute: statement,
  transaction: { operations: walkOperations },
  insert: { data: walkColumnMap },
  update: { data: walkColumnMap, where: walkWhere },
  delete: { where: walkWhere },
  find: { where: walkWhere },
  findOne: { where: walkWhere },
  count: { where: walkWhere },
  batchInsert: { records: walkRecords },
};

/**
 * The host's check before sending: values under the worker's rules (bytes
 * become `{ "$bytea": … }`), every other field only for what JSON can't carry
 * (NaN, bigint, a cycle, a function). Returns the params to send (the same
 * object unless something had to change) or the first problem, with its path
 * below the params.
 */
export function checkOperationParams(operation: string, params: Record<string, unknown>, direction: Direction = 'send'): { params: Record<string, unknown> } | { problem: ValueProblem } {
  const fields = VALUE_FIELDS[operation];
  const values = new ValueChecker('column', direction);
  const bind = new ValueChecker('bind', direction);
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(params)) {
    const walk = fields?.[key];
    const checker = walk === undefined || walk === walkBindList || walk === walkOperations ? bind : values;
    const value = params[key];
    const next = walk ? walk(checker, value) : checker.json(value, 1);
    if (next === UNREPRESENTABLE) {
      checker.below(key);
      return { problem: checker.problem! };
    }
    if (next !== value) (out ??= { ...params })[key] = next;
  }
  return { params: out ?? params };
}

/**
 * `checkOperationParams` for the host: the params to send, or
 * `POSTGRES_INVALID_PARAMS` naming the value under `root` (the worker's own
 * root for operation params, so both name a value alike).
 */
export function wireParams(operation: string, params: Record<string, unknown>, root = 'params.params'): Record<string, unknown> {
  const checked = checkOperationParams(operation, params);
  if ('params' in checked) return checked.params;
  throw invalidParams(describeIssues([{ code: 'custom', path: checked.problem.path, message: checked.problem.message, input: undefined }], root));
}
