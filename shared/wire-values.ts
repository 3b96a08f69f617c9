import { BYTEA_TAG, bytesOf, bytesTag, tagOf, type Tag } from './tagged-values';

/**
 * The one set of rules for values (bind parameters, CRUD values, batch
 * records): what can't cross JSON, or what PostgreSQL would silently store as
 * something else, is a problem with its path. The host runs it before sending
 * (`send`: bytes become their tagged form), the worker on what it received or
 * was given in process (`receive`: tagged forms become what they stand for).
 * One pass; a plain string or number costs a type check (and strings a
 * native well-formedness check). Values are never mutated: a container is
 * copied only when something inside it changes.
 *
 * Two places a value can be:
 * * a **value position**: a whole parameter or column value, or an element of
 *   a JS array there (which becomes a PostgreSQL array). Its strings go to
 *   PostgreSQL as UTF-8 text, so a lone surrogate (`"x\ud800y"`, which UTF-8
 *   can't carry and would become U+FFFD) is refused; `-0` becomes `"-0"` (JSON
 *   and pg would send `0`); tagged values and bytes are read.
 * * **inside a JSON document** (a plain object's contents): it is sent as JSON
 *   text, where a lone surrogate is an escape and nothing is lost; bytes
 *   become their tagged form; tags are plain JSON.
 */

declare global {
  interface String {
    /** ES2024; Node 20 has it. */
    isWellFormed(): boolean;
  }
}

/** Deepest nesting of a value (arrays and objects); pg's encoders recurse, and PostgreSQL arrays have at most 6 dimensions. */
export const MAX_VALUE_DEPTH = 64;

/**
 * `bind`: query parameters, as pg takes them (undefined is NULL, a Date or an
 * object with toPostgres/toJSON is encoded by pg or JSON). `column`: CRUD
 * values and batch records, which take JSON values only.
 */
export type ValueRules = 'bind' | 'column';
export type Direction = 'send' | 'receive';

export interface ValueProblem {
  /** Below the value: keys and indexes. */
  path: (string | number)[];
  message: string;
}

/** Returned (instead of a value) after a problem; the problem is on the checker. */
export const UNREPRESENTABLE: unique symbol = Symbol('unrepresentable');

const UNDEFINED = 'must be a JSON value, not undefined (leave the key out, or use null)';
const PROTO_KEY = "a key named '__proto__' is not accepted here (it would be lost in validation); use query";

function nonFinite(value: number): string {
  return `must be a finite number (JSON has no ${value}; for a float column send the string "${value}")`;
}

function loneSurrogate(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) i++;
    else if (c >= 0xd800 && c <= 0xdfff) return `contains a lone surrogate (\\u${c.toString(16)} at index ${i}), which UTF-8 can't carry: PostgreSQL would store U+FFFD instead`;
  }
  return 'is not well-formed UTF-16';
}

function notJson(value: unknown): string {
  if (typeof value === 'bigint') return 'is a bigint inside a JSON document, where JSON numbers are doubles: send the document as { "$json": "<its text>" }, or the number as a string';
  if (typeof value !== 'object' || value === null) return `must be a JSON value, not a ${typeof value}`;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) return 'must be a JSON value, not an object with a toJSON method';
  const name = (value as object).constructor?.name ?? 'object';
  return `must be a JSON value, not a ${name}`;
}

/**
 * Objects JSON (and pg, in process) would turn into something else without a
 * word: a typed array other than bytes becomes `{"0":1,"1":2}`, a Map or Set `{}`.
 * Refused at any position, with what to send instead.
 */
function silentlyChanged(value: object): string | undefined {
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    const name = value.constructor?.name ?? 'binary view';
    return `is a ${name}, which has no exact JSON or PostgreSQL form: send a Buffer or Uint8Array for bytes (Buffer.from(x.buffer, x.byteOffset, x.byteLength)), or Array.from(x) for a PostgreSQL array`;
  }
  if (value instanceof Map || value instanceof Set) {
    return `is a ${value instanceof Map ? 'Map' : 'Set'}, which JSON would send as {}: send Object.fromEntries(m) or Array.from(s)`;
  }
  return undefined;
}

/** A plain object JSON takes as it is (one with a toJSON method is sent as what that returns). */
function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

/** A shallow copy of a plain object; a `__proto__` key stays an own key. */
function copyOf(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) setOwn(out, key, (value as Record<string, unknown>)[key]);
  return out;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Walks values under one set of rules; see the module comment. Reusable: `problem` is cleared by `reset`. */
export class ValueChecker {
  problem: ValueProblem | undefined;
  private readonly ancestors: object[] = [];

  constructor(
    readonly rules: ValueRules,
    readonly direction: Direction,
  ) {}

  reset(): void {
    this.problem = undefined;
    this.ancestors.length = 0;
  }

  /** A value at a value position: itself, what it becomes, or UNREPRESENTABLE (see `problem`). */
  value(v: unknown, depth = 0): unknown {
    switch (typeof v) {
      case 'string':
        return v.isWellFormed() ? v : this.fail(loneSurrogate(v));
      case 'number':
        if (v === 0) return 1 / v < 0 ? '-0' : v;
        return Number.isFinite(v) ? v : this.fail(nonFinite(v));
      case 'boolean':
        return v;
      case 'bigint':
        // Its decimal text, which int8 and numeric read exactly (JSON and pg's own encoding disagree on it).
        return v.toString();
      case 'undefined':
        return this.rules === 'bind' ? v : this.fail(UNDEFINED);
      case 'object':
        break;
      default:
        return this.fail(notJson(v));
    }
    if (v === null) return v;
    if (v instanceof Uint8Array) return this.direction === 'send' ? bytesTag(v) : v;
    if (v instanceof Date) return this.date(v);
    if (Array.isArray(v)) return this.list(v, depth, true);
    if (isPlain(v)) {
      const tag = tagOf(v);
      return tag === undefined ? this.document(v, depth) : this.tagged(v as Record<Tag, unknown>, tag);
    }
    return this.instance(v, depth);
  }

  /** A value inside a JSON document. */
  json(v: unknown, depth: number): unknown {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        return Number.isFinite(v) ? v : this.fail(nonFinite(v));
      case 'undefined':
        // JSON leaves it out (or writes null in an array), exactly as pg's JSON.stringify does in process.
        return this.rules === 'bind' ? v : this.fail(UNDEFINED);
      case 'object':
        break;
      default:
        return this.fail(notJson(v));
    }
    if (v === null) return v;
    if (v instanceof Uint8Array) return bytesTag(v);
    if (v instanceof Date) return this.date(v);
    if (Array.isArray(v)) return this.list(v, depth, false);
    return isPlain(v) ? this.document(v, depth) : this.instance(v, depth);
  }

  /** Records `message` for the value being walked; callers add their key on the way out. */
  fail(message: string, path: (string | number)[] = []): typeof UNREPRESENTABLE {
    this.problem = { path, message };
    return UNREPRESENTABLE;
  }

  /** Adds `key` in front of the problem's path and passes UNREPRESENTABLE on. */
  below(key: string | number): typeof UNREPRESENTABLE {
    this.problem!.path.unshift(key);
    return UNREPRESENTABLE;
  }

  private enter(container: object, depth: number): boolean {
    if (this.ancestors.includes(container)) {
      this.fail('is circular: it contains itself');
      return false;
    }
    if (depth >= MAX_VALUE_DEPTH) {
      this.fail(`is nested more than ${MAX_VALUE_DEPTH} levels deep`);
      return false;
    }
    this.ancestors.push(container);
    return true;
  }

  private list(items: readonly unknown[], depth: number, valuePosition: boolean): unknown {
    if (!this.enter(items, depth)) return UNREPRESENTABLE;
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const next = valuePosition ? this.value(item, depth + 1) : this.json(item, depth + 1);
      if (next === UNREPRESENTABLE) {
        this.ancestors.pop();
        return this.below(i);
      }
      if (next !== item) (out ??= items.slice())[i] = next;
    }
    this.ancestors.pop();
    return out ?? items;
  }

  private document(object: object, depth: number): unknown {
    if (!this.enter(object, depth)) return UNREPRESENTABLE;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      const next = key === '__proto__' && this.rules === 'column' ? this.fail(PROTO_KEY) : this.json(item, depth + 1);
      if (next === UNREPRESENTABLE) {
        this.ancestors.pop();
        return this.below(key);
      }
      if (next !== item) setOwn((out ??= copyOf(object)), key, next);
    }
    this.ancestors.pop();
    return out ?? object;
  }

  /** A class instance, Date, Map, …: JSON values only for `column`; for `bind`, what pg and JSON make of it. */
  private instance(v: object, depth: number): unknown {
    const changed = silentlyChanged(v);
    if (changed !== undefined) return this.fail(changed);
    if (this.rules === 'column') return this.fail(notJson(v));
    const methods = v as { toPostgres?: unknown; toJSON?: (key?: string) => unknown };
    // In process pg encodes it with its own toPostgres; on the wire it is JSON, like everything else.
    if (this.direction === 'receive' && typeof methods.toPostgres === 'function') return v;
    if (typeof methods.toJSON === 'function') {
      let json: unknown;
      try {
        json = methods.toJSON('');
      } catch (error) {
        return this.fail(`could not be turned into JSON: its toJSON threw ${error instanceof Error ? error.message : String(error)}`);
      }
      const next = this.json(json, depth);
      return this.direction === 'send' || next === UNREPRESENTABLE ? next : v;
    }
    return this.document(v, depth);
  }

  /**
   * A Date is its ISO-8601 text in UTC (`toISOString`), at any position, on
   * both paths: exact for timestamptz, and the same text whatever the
   * process's time zone (pg alone would send local time in process, JSON UTC).
   */
  private date(v: Date): unknown {
    return Number.isNaN(v.getTime()) ? this.fail('is an invalid Date (its time is NaN)') : v.toISOString();
  }

  private tagged(v: Record<Tag, unknown>, tag: Tag): unknown {
    const text = v[tag];
    if (typeof text !== 'string') return this.fail(`must be a string (${tag === BYTEA_TAG ? 'base64' : 'JSON text'})`, [tag]);
    if (tag === BYTEA_TAG) {
      const bytes = bytesOf(text);
      if (bytes === undefined) return this.fail('must be base64 (RFC 4648, padded, without whitespace)', [tag]);
      return this.direction === 'receive' ? bytes : v;
    }
    if (!text.isWellFormed()) return this.fail(loneSurrogate(text), [tag]);
    return this.direction === 'receive' ? text : v;
  }
}
