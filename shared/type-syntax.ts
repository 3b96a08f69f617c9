import { textProblem } from './sql-text';

/**
 * PostgreSQL names and type names: what a name may be, and the grammar of
 * type names (gram.y's Typename, minus SETOF and %TYPE). Pure functions,
 * shared by the schema-operation schemas.
 */

/** PostgreSQL keeps at most 63 bytes of a name (NAMEDATALEN - 1) and silently truncates the rest. */
export const MAX_IDENTIFIER_BYTES = 63;
const encoder = new TextEncoder();

/** Why `name` can't be an identifier, or `undefined` when it can. */
export function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must be a non-empty name';
  // A NUL would end the query string on the wire, cutting the statement short.
  if (name.includes('\0')) return 'must not contain NUL characters';
  const text = textProblem(name);
  if (text) return text;
  if (encoder.encode(name).length > MAX_IDENTIFIER_BYTES) return `must be at most ${MAX_IDENTIFIER_BYTES} bytes (PostgreSQL truncates longer names)`;
  return undefined;
}

// ---------------------------------------------------------------------------
// PostgreSQL type grammar (gram.y's Typename, minus SETOF and %TYPE). A small
// tokenizer, then one method per production; the accepted tokens are written
// back out, so text the grammar did not recognise can never reach the DDL.
// ---------------------------------------------------------------------------

interface Token {
  kind: 'word' | 'quoted' | 'int' | 'punct';
  text: string;
  at: number;
}

const WORD = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const INT = /[0-9]{1,10}/y;
const PUNCT = new Set(['(', ')', ',', '[', ']', '.', '-']);
/** interval qualifiers: a field may be followed by `TO` one of these. */
const INTERVAL_TO: Record<string, readonly string[]> = { year: ['month'], month: [], day: ['hour', 'minute', 'second'], hour: ['minute', 'second'], minute: ['second'], second: [] };

class TypeSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"') {
      // A quoted name: `""` stands for one quote; it is re-quoted on the way out.
      let name = '';
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] !== '"') name += text[j];
        else if (text[j + 1] === '"') name += text[j++];
        else break;
      }
      if (j >= text.length) throw new TypeSyntaxError(`unterminated quoted name at position ${i + 1}`);
      const problem = identifierProblem(name);
      if (problem) throw new TypeSyntaxError(`quoted name at position ${i + 1} ${problem}`);
      tokens.push({ kind: 'quoted', text: name, at: i });
      i = j + 1;
    } else if (PUNCT.has(ch)) {
      tokens.push({ kind: 'punct', text: ch, at: i++ });
    } else {
      const token = match(WORD, 'word', text, i) ?? match(INT, 'int', text, i);
      if (!token) throw new TypeSyntaxError(`unexpected character '${ch}' at position ${i + 1}`);
      if (token.kind === 'word' && encoder.encode(token.text).length > MAX_IDENTIFIER_BYTES) {
        throw new TypeSyntaxError(`name at position ${i + 1} is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
      }
      tokens.push(token);
      i += token.text.length;
    }
  }
  return tokens;
}

function match(re: RegExp, kind: Token['kind'], text: string, at: number): Token | undefined {
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? { kind, text: m[0], at } : undefined;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  type(): string {
    const sql = this.base() + this.arrayBounds();
    if (this.pos < this.tokens.length) this.fail('the end of the type');
    return sql;
  }

  private base(): string {
    const word = this.word();
    switch (word) {
      case 'double':
        this.pos++;
        return `double ${this.expectWord('precision')}`;
      case 'national':
        this.pos++;
        return `national ${this.character(this.expectWord('character', 'char'))}`;
      case 'character':
      case 'char':
      case 'nchar':
        this.pos++;
        return this.character(word);
      case 'bit':
        this.pos++;
        return this.character(word);
      case 'varchar':
      case 'float':
        this.pos++;
        return word + this.length();
      case 'time':
      case 'timestamp': {
        this.pos++;
        const precision = this.length();
        const zone = this.acceptWord('with', 'without');
        return zone ? `${word}${precision} ${zone} ${this.expectWord('time')} ${this.expectWord('zone')}` : word + precision;
      }
      case 'interval':
        this.pos++;
        return `interval${this.intervalQualifier()}`;
      default:
        return this.generic();
    }
  }

  /** `character varying(n)`, `char(n)`, `bit varying(n)` … */
  private character(word: string): string {
    return word + (this.acceptWord('varying') ? ' varying' : '') + this.length();
  }

  private intervalQualifier(): string {
    const from = this.acceptWord(...Object.keys(INTERVAL_TO));
    if (!from) return this.length();
    if (!this.acceptWord('to')) return ` ${from}${from === 'second' ? this.length() : ''}`;
    const to = this.expectWord(...INTERVAL_TO[from]!);
    return ` ${from} to ${to}${to === 'second' ? this.length() : ''}`;
  }

  /** `name`, `schema.name`, either with modifiers: `numeric(10,2)`, `myschema.mood`. */
  private generic(): string {
    let sql = this.name();
    if (this.acceptPunct('.')) sql += `.${this.name()}`;
    if (!this.acceptPunct('(')) return sql;
    const modifiers = [this.int(true)];
    while (this.acceptPunct(',')) modifiers.push(this.int(true));
    this.expectPunct(')');
    return `${sql}(${modifiers.join(',')})`;
  }

  /** `[]`, `[3][]`, `ARRAY`, `ARRAY[3]`; all written back as brackets. */
  private arrayBounds(): string {
    if (this.acceptWord('array')) return this.acceptPunct('[') ? `[${this.int(false)}${this.expectPunct(']')}` : '[]';
    let sql = '';
    while (this.acceptPunct('[')) sql += `[${this.tokens[this.pos]?.kind === 'int' ? this.int(false) : ''}${this.expectPunct(']')}`;
    return sql;
  }

  private length(): string {
    if (!this.acceptPunct('(')) return '';
    return `(${this.int(false)}${this.expectPunct(')')}`;
  }

  private name(): string {
    const token = this.tokens[this.pos];
    if (token?.kind === 'word') return this.consumeWord();
    if (token?.kind !== 'quoted') this.fail('a type name');
    this.pos++;
    return `"${token.text.replace(/"/g, '""')}"`;
  }

  private int(signed: boolean): string {
    const minus = signed && this.acceptPunct('-') ? '-' : '';
    if (this.tokens[this.pos]?.kind !== 'int') this.fail('a number');
    return minus + this.tokens[this.pos++]!.text;
  }

  /** The current token as a keyword candidate (ASCII letters folded, as PostgreSQL folds them). */
  private word(): string | undefined {
    const token = this.tokens[this.pos];
    return token?.kind === 'word' ? token.text.replace(/[A-Z]/g, (c) => c.toLowerCase()) : undefined;
  }

  private consumeWord(): string {
    const word = this.word()!;
    this.pos++;
    return word;
  }

  private acceptWord(...words: string[]): string | undefined {
    const word = this.word();
    return word !== undefined && words.includes(word) ? this.consumeWord() : undefined;
  }

  private expectWord(...words: string[]): string {
    return this.acceptWord(...words) ?? this.fail(words.length ? words.map((w) => `'${w.toUpperCase()}'`).join(' or ') : 'the end of the type');
  }

  private acceptPunct(p: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'punct' || token.text !== p) return false;
    this.pos++;
    return true;
  }

  private expectPunct(p: string): string {
    if (!this.acceptPunct(p)) this.fail(`'${p}'`);
    return p;
  }

  private fail(expected: string): never {
    const token = this.tokens[this.pos];
    const found = token ? `'${token.kind === 'quoted' ? `"${token.text}"` : token.text}' at position ${token.at + 1}` : 'the end of the text';
    throw new TypeSyntaxError(`expected ${expected}, found ${found}`);
  }
}

/**
 * Parses a type name against PostgreSQL's grammar: built-in multi-word types
 * (`double precision`, `character varying(50)`, `timestamp(3) with time zone`,
 * `interval day to second`, `bit varying(5)`), any other name with optional
 * schema and modifiers (`numeric(10,2)`, `jsonb`, `myschema.mood`, `"My Type"`),
 * and array bounds (`int[]`, `text[][]`, `int array`). On success `sql` is the
 * type rewritten from its tokens; whether the type exists is the server's call.
 */
export function parseTypeName(text: string): { ok: true; sql: string } | { ok: false; message: string } {
  try {
    const tokens = tokenize(text);
    if (tokens.length === 0) return { ok: false, message: 'the type is empty' };
    return { ok: true, sql: new TypeParser(tokens).type() };
  } catch (error) {
    if (error instanceof TypeSyntaxError) return { ok: false, message: error.message };
    throw error;
  }
}
