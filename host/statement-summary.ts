/** At most this many characters of a statement appear in a crash report. */
export const MAX_STATEMENT_SUMMARY = 120;

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/**
 * A statement as a crash report may show it: comments dropped, every literal
 * (quoted strings in all their forms, dollar-quoted bodies, numbers) replaced
 * by `?`, whitespace collapsed, cut at {@link MAX_STATEMENT_SUMMARY}
 * characters. Bind parameters are never part of it, and with the literals gone
 * so is a password written into the text (`ALTER ROLE … PASSWORD '…'`).
 * Identifiers, `$1` placeholders and keywords stay, which is what an operator
 * needs to recognise the statement.
 */
export function summarizeStatement(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n && out.length <= MAX_STATEMENT_SUMMARY) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end;
      out += ' ';
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
      out += ' ';
    } else if (c === "'") {
      // E'…' (backslash escapes), and the prefixes B, X, N, U& of the other string forms, go with the literal.
      const prefix = /(?:^|[^A-Za-z0-9_$])(E|e|B|b|X|x|N|n|U&|u&)$/.exec(out);
      const escapes = prefix !== null && (prefix[1] === 'E' || prefix[1] === 'e');
      if (prefix) out = out.slice(0, out.length - prefix[1]!.length);
      i = skipQuoted(sql, i, "'", escapes);
      out += '?';
    } else if (c === '"') {
      const end = skipQuoted(sql, i, '"', false);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && !IDENT.test(out[out.length - 1] ?? ' ') && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end === -1 ? n : end + tag.length;
      out += '?';
    } else if ((isDigit(c) || (c === '.' && isDigit(next))) && !IDENT.test(out[out.length - 1] ?? ' ')) {
      const number = /^(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/.exec(sql.slice(i, i + 100));
      i += Math.max(1, number?.[0].length ?? 1);
      out += '?';
    } else {
      out += c;
      i++;
    }
  }
  const text = out.replace(/\s+/g, ' ').trim();
  return text.length > MAX_STATEMENT_SUMMARY || i < n ? `${text.slice(0, MAX_STATEMENT_SUMMARY)}…` : text;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Index after a `/* … *\/` comment (they nest in PostgreSQL). */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

/** Index after a quoted run that starts at `start` (a doubled quote stays inside; with `escapes`, a backslash escapes). */
function skipQuoted(sql: string, start: number, quote: string, escapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (escapes && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return i;
}
