import { tagOf } from './tagged-values';
import { describeIssues, invalidParams } from './validation';
import { UNREPRESENTABLE, ValueChecker, type ValueProblem } from './wire-values';

/**
 * Where an operation's params hold values, and the walk of each: bind
 * parameter lists (`params`, `operations[i].params`), column maps (`data`,
 * batch `records[i]`) and `where` objects, with the ValueChecker's rules.
 * The worker's schemas run the same walks on what they received; the host
 * runs `checkOperationParams` on a whole params object before sending it, so
 * both refuse the same values with the same paths.
 */

type Walk = (checker: ValueChecker, value: unknown) => unknown;

/** Each item of a list through `walk`, copying the list only if one changes. */
function eachItem(checker: ValueChecker, list: readonly unknown[], walk: (item: unknown) => unknown): unknown {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const next = walk(list[i]);
    if (next === UNREPRESENTABLE) return checker.below(i);
    if (next !== list[i]) (out ??= list.slice())[i] = next;
  }
  return out ?? list;
}

/** A statement's bind parameters: each a value position. */
export const walkBindList: Walk = (checker, list) => (Array.isArray(list) ? eachItem(checker, list, (v) => checker.value(v)) : list);

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

const walkRecords: Walk = (checker, records) => (Array.isArray(records) ? eachItem(checker, records, (record) => walkColumnMap(checker, record)) : records);

const walkOperations: Walk = (checker, operations) => {
  if (!Array.isArray(operations)) return operations;
  return eachItem(checker, operations, (op) => {
    if (!isObject(op) || op.params === undefined) return op;
    const params = walkBindList(checker, op.params);
    if (params === UNREPRESENTABLE) return checker.below('params');
    return params === op.params ? op : { ...op, params };
  });
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
export function checkOperationParams(operation: string, params: Record<string, unknown>): { params: Record<string, unknown> } | { problem: ValueProblem } {
  // Own keys only: an operation or a key named `constructor` must not find Object's.
  const fields = Object.hasOwn(VALUE_FIELDS, operation) ? VALUE_FIELDS[operation] : undefined;
  const values = new ValueChecker('column', 'send');
  const bind = new ValueChecker('bind', 'send');
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(params)) {
    const walk = fields !== undefined && Object.hasOwn(fields, key) ? fields[key] : undefined;
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
export function wireParams(operation: string, params: Record<string, unknown>, root = 'params'): Record<string, unknown> {
  const checked = checkOperationParams(operation, params);
  if ('params' in checked) return checked.params;
  throw invalidParams(describeIssues([{ code: 'custom', path: checked.problem.path, message: checked.problem.message, input: undefined }], root));
}
