import pg from 'pg';
import { parseExactJson } from '../../shared/exact-json';
import { arrayParser } from './pg-internals';

/**
 * Type parsers that make every value JSON-safe and lossless (docs/plugin-api.md,
 * docs/plugin-api.md "Values"): int8 and numeric stay strings, timestamps
 * become ISO-8601 strings (keeping microseconds and the offset), dates and
 * intervals stay text, bytea becomes base64; float4/float8 are numbers except
 * `Infinity`, `-Infinity`, `NaN` and `-0`, which JSON can't carry and stay
 * PostgreSQL's text (accepted back as float input); json/jsonb are JSON
 * values, or `{ "$json": text }` when a plain value would change a number
 * (shared/exact-json). Installed per pool, so nothing global in `pg` is
 * changed.
 */

const OID = {
  BYTEA: 17,
  INT8: 20,
  DATE: 1082,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  INTERVAL: 1186,
  NUMERIC: 1700,
  MONEY: 790,
  FLOAT4: 700,
  FLOAT8: 701,
  JSON: 114,
  JSONB: 3802,
  FLOAT4_ARRAY: 1021,
  FLOAT8_ARRAY: 1022,
  JSON_ARRAY: 199,
  JSONB_ARRAY: 3807,
  BYTEA_ARRAY: 1001,
  INT8_ARRAY: 1016,
  DATE_ARRAY: 1182,
  TIMESTAMP_ARRAY: 1115,
  TIMESTAMPTZ_ARRAY: 1185,
  INTERVAL_ARRAY: 1187,
  NUMERIC_ARRAY: 1231,
} as const;

const identity = (value: string): string => value;

/** `2024-01-02 03:04:05.123456+05:30` → `2024-01-02T03:04:05.123456+05:30` (also `+00` → `+00:00`). */
export function timestampToIso(value: string): string {
  if (value.length < 19 || value.charCodeAt(10) !== 32 /* space */ || value.endsWith(' BC')) return value;
  let out = value.slice(0, 10) + 'T' + value.slice(11);
  // PostgreSQL writes whole-hour offsets as `+05`; ISO-8601 readers want `+05:00`.
  const sign = out.length - 3;
  const c = out.charCodeAt(sign);
  if ((c === 43 || c === 45) /* + - */ && out.indexOf(':', sign) === -1) out += ':00';
  return out;
}

function byteaToBase64(value: string): string {
  // Hex output format (`\x…`), the server default since 9.0.
  if (value.startsWith('\\x')) return Buffer.from(value.slice(2), 'hex').toString('base64');
  return (pg.types.getTypeParser(OID.BYTEA, 'text')(value) as Buffer).toString('base64');
}

/** A float as a number, or PostgreSQL's text where JSON has no such number: `Infinity`, `-Infinity`, `NaN`, `-0`. */
export function floatValue(value: string): number | string {
  const n = Number(value);
  if (n === 0) return value.charCodeAt(0) === 45 /* - */ ? value : 0;
  return Number.isFinite(n) ? n : value;
}

function arrayOf(parse: (value: string) => unknown): (value: string) => unknown {
  return (value) => arrayParser.create(value, (entry) => (entry === null ? null : parse(entry))).parse();
}

const overrides = new Map<number, (value: string) => unknown>([
  [OID.INT8, identity],
  [OID.NUMERIC, identity],
  [OID.MONEY, identity],
  [OID.DATE, identity],
  [OID.INTERVAL, identity],
  [OID.TIMESTAMP, timestampToIso],
  [OID.TIMESTAMPTZ, timestampToIso],
  [OID.BYTEA, byteaToBase64],
  [OID.FLOAT4, floatValue],
  [OID.FLOAT8, floatValue],
  [OID.JSON, parseExactJson],
  [OID.JSONB, parseExactJson],
  [OID.FLOAT4_ARRAY, arrayOf(floatValue)],
  [OID.FLOAT8_ARRAY, arrayOf(floatValue)],
  [OID.JSON_ARRAY, arrayOf(parseExactJson)],
  [OID.JSONB_ARRAY, arrayOf(parseExactJson)],
  [OID.INT8_ARRAY, arrayOf(identity)],
  [OID.NUMERIC_ARRAY, arrayOf(identity)],
  [OID.DATE_ARRAY, arrayOf(identity)],
  [OID.INTERVAL_ARRAY, arrayOf(identity)],
  [OID.TIMESTAMP_ARRAY, arrayOf(timestampToIso)],
  [OID.TIMESTAMPTZ_ARRAY, arrayOf(timestampToIso)],
  [OID.BYTEA_ARRAY, arrayOf(byteaToBase64)],
]);

/** The `types` option given to every pool: JSON-safe parsers, pg's own for the rest. */
export const jsonSafeTypes = {
  getTypeParser(oid: number, format: 'text' | 'binary' = 'text'): (value: string) => unknown {
    if (format === 'text') {
      const parser = overrides.get(oid);
      if (parser) return parser;
    }
    return pg.types.getTypeParser(oid, format);
  },
};
