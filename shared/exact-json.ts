import { JSON_TAG, looksTagged } from './tagged-values';

/**
 * JSON text (a json/jsonb value as PostgreSQL prints it) → the JSON value,
 * exactly: a plain value when JSON.parse keeps every number's decimal value,
 * else `{ "$json": text }` (tagged-values). So `{"a":[1,2.5]}` comes back as
 * the object, `12345678901234567890` (a double holds …168) or `1e400` (a
 * double has no such number) as the tagged text. A document that is itself a
 * one-key object named like a tag is tagged too, so sent back it is that
 * document, not what the tag stands for.
 *
 * Cheap for ordinary documents: one regular-expression test, and for the
 * few texts it can't clear one pass where only numbers of more than 15
 * characters or with an exponent are looked at closely.
 */
export function parseExactJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (MAYBE_INEXACT.test(text) && !numbersExact(text)) return { [JSON_TAG]: text };
  return looksTagged(value) ? { [JSON_TAG]: text } : value;
}

/**
 * Texts that may hold a number a double changes: one with more than 15
 * significant digits has a run of 8 digits (its digits are split by at most
 * a dot), an exponent follows a digit. Cheaper than the scan, which it spares
 * most documents.
 */
const MAYBE_INEXACT = /\d(?:\d{7}|[eE])/;

/**
 * Whether every number token of a JSON text keeps its decimal value through
 * a double. One pass over the characters; a token of at most 15 characters
 * without an exponent (at most 15 significant digits) always does, so only
 * long tokens and exponents get the exact comparison.
 */
function numbersExact(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string: to its closing quote, past escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let end = i + 1;
      let exponent = false;
      for (; end < text.length; end++) {
        const d = text.charCodeAt(end);
        if (d === 101 || d === 69 /* e E */) exponent = true;
        else if (!((d >= 48 && d <= 57) || d === 46 || d === 43 || d === 45)) break;
      }
      if ((exponent || end - i > 15) && !exactAsDouble(text.slice(i, end))) return false;
      i = end - 1;
    }
  }
  return true;
}

/** Whether a JSON number token means the same decimal as the double JSON.parse makes of it. */
export function exactAsDouble(token: string): boolean {
  const n = Number(token);
  if (!Number.isFinite(n)) return false;
  return decimalKey(token) === decimalKey(String(n));
}

/** A number's decimal value as `[-]digits e exponent`, digits without leading or trailing zeros (zero is `0`). */
function decimalKey(token: string): string {
  let s = token;
  const negative = s.charCodeAt(0) === 45;
  if (negative) s = s.slice(1);
  let exponent = 0;
  const e = s.search(/[eE]/);
  if (e !== -1) {
    exponent = Number(s.slice(e + 1));
    s = s.slice(0, e);
  }
  const dot = s.indexOf('.');
  if (dot !== -1) {
    exponent -= s.length - dot - 1;
    s = s.slice(0, dot) + s.slice(dot + 1);
  }
  let start = 0;
  while (start < s.length && s.charCodeAt(start) === 48) start++;
  let end = s.length;
  while (end > start && s.charCodeAt(end - 1) === 48) end--;
  if (start === end) return '0';
  exponent += s.length - end;
  return `${negative ? '-' : ''}${s.slice(start, end)}e${exponent}`;
}
