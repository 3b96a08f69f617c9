import { z } from 'zod';

/**
 * Params of the schema operations (DESIGN §4): createTable, alterTable,
 * dropTable, listTables, describeTable, and the shape describeTable answers
 * with. Declarations only; the DDL is built in `worker/schema/`.
 *
 * Names are never pattern-checked: the worker always quotes them, so any
 * non-empty string PostgreSQL can store is a valid name. Types are the one
 * piece of DDL text a caller writes that is not quoted, so they are parsed
 * against PostgreSQL's type grammar and re-emitted from their tokens.
 */

/** PostgreSQL keeps at most 63 bytes of a name (NAMEDATALEN - 1) and silently truncates the rest. */
const MAX_IDENTIFIER_BYTES = 63;
const encoder = new TextEncoder();

/** Why `name` can't be an identifier, or `undefined` when it can. */
function identifierProblem(name: string): string | undefined {
  if (name.length === 0) return 'must be a non-empty name';
  // A NUL would end the query string on the wire, cutting the statement short.
  if (name.includes('\0')) return 'must not contain NUL characters';
  if (encoder.encode(name).length > MAX_IDENTIFIER_BYTES) return `must be at most ${MAX_IDENTIFIER_BYTES} bytes (PostgreSQL truncates longer names)`;
  return undefined;
}

/** A table, column, constraint, index or schema name: any string of 1 to 63 bytes, always quoted. */
export const identifierSchema = z.string().superRefine((name, ctx) => {
  const problem = identifierProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A table, optionally schema-qualified: what `'schema.table'` or `'table'` names. */
export interface TableRef {
  schema?: string;
  name: string;
}

/** `'table'` or `'schema.table'`, split on its one dot. */
export const tableRefSchema = z.string().transform((value, ctx): TableRef => {
  const parts = value.split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    ctx.addIssue({ code: 'custom', message: "must be 'table' or 'schema.table' (at most one dot, no empty part)" });
    return z.NEVER;
  }
  for (const part of parts) {
    const problem = identifierProblem(part);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `'${part}' ${problem}` });
      return z.NEVER;
    }
  }
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! };
});

/**
 * Raw SQL, sent as written: `{ sql: "now()" }`. The only place in these
 * operations where caller text reaches the server unquoted.
 */
export const sqlExpressionSchema = z.object({ sql: z.string().min(1, 'must be a non-empty SQL expression').max(10_000) }).strict();
export type SqlExpression = z.output<typeof sqlExpressionSchema>;

/**
 * A column default: `{ sql }` is an expression; anything else is a value sent
 * as a quoted literal (objects and arrays as JSON text, `null` as NULL).
 */
export const defaultValueSchema = z.union([sqlExpressionSchema, z.json()]).superRefine((value, ctx) => {
  if (typeof value === 'string' && value.includes('\0')) ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters' });
});
export type DefaultValue = z.output<typeof defaultValueSchema>;

/** The five referential actions, in their SQL spelling. */
export const REFERENTIAL_ACTIONS = ['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT'] as const;
export type ReferentialAction = (typeof REFERENTIAL_ACTIONS)[number];

/** `CASCADE`, `cascade`, `SET_NULL`, `set null` … → the SQL spelling. */
const referentialAction = z.string().transform((value, ctx): ReferentialAction => {
  const key = value.trim().toUpperCase().replace(/[_\s]+/g, ' ');
  const found = REFERENTIAL_ACTIONS.find((action) => action === key);
  if (found) return found;
  ctx.addIssue({ code: 'custom', message: `must be one of ${REFERENTIAL_ACTIONS.join(', ')} (underscores or spaces)` });
  return z.NEVER;
});

/** A PostgreSQL type name, validated by its grammar and normalised (see {@link parseTypeName}). */
export const typeNameSchema = z
  .string()
  .max(200)
  .transform((value, ctx) => {
    const parsed = parseTypeName(value);
    if (parsed.ok) return parsed.sql;
    ctx.addIssue({ code: 'custom', message: `is not a PostgreSQL type: ${parsed.message}` });
    return z.NEVER;
  });

const referenceActions = { onDelete: referentialAction.optional(), onUpdate: referentialAction.optional() };
const columnList = z.array(identifierSchema).min(1, 'must list at least one column').max(32);

/** One column of createTable or addColumn. */
export const columnSpecSchema = z
  .object({
    name: identifierSchema,
    type: typeNameSchema,
    nullable: z.boolean().optional(),
    default: defaultValueSchema.optional(),
    primaryKey: z.boolean().optional(),
    unique: z.boolean().optional(),
    references: z.object({ table: tableRefSchema, column: identifierSchema.optional(), ...referenceActions }).strict().optional(),
    check: sqlExpressionSchema.optional(),
  })
  .strict()
  .superRefine((column, ctx) => {
    if (column.primaryKey && column.nullable === true) {
      ctx.addIssue({ code: 'custom', path: ['nullable'], message: 'a primary key column cannot be nullable' });
    }
  });
export type ColumnSpec = z.output<typeof columnSpecSchema>;

const tableSpecSchema = z
  .object({
    columns: z.array(columnSpecSchema).min(1, 'must list at least one column').max(1600),
    primaryKey: columnList.optional(),
    unique: z.array(z.union([columnList, z.object({ columns: columnList, name: identifierSchema.optional() }).strict()])).optional(),
    indexes: z
      .array(
        z
          .object({
            columns: columnList,
            unique: z.boolean().optional(),
            name: identifierSchema.optional(),
            method: z.enum(['btree', 'hash', 'gist', 'spgist', 'gin', 'brin']).optional(),
          })
          .strict(),
      )
      .optional(),
    ifNotExists: z.boolean().optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    // Catch what PostgreSQL would refuse anyway, but with the path of the field at fault.
    const names = new Set<string>();
    spec.columns.forEach((column, i) => {
      if (names.has(column.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: `duplicate column '${column.name}'` });
      names.add(column.name);
    });
    const keyed = spec.columns.flatMap((column, i) => (column.primaryKey ? [i] : []));
    for (const i of spec.primaryKey ? keyed : keyed.slice(1)) {
      ctx.addIssue({ code: 'custom', path: ['columns', i, 'primaryKey'], message: 'only one primary key: use schema.primaryKey for a composite key, and not with a column primaryKey' });
    }
    const known = (path: (string | number)[], columns: readonly string[]) =>
      columns.forEach((name, j) => {
        if (!names.has(name)) ctx.addIssue({ code: 'custom', path: [...path, j], message: `'${name}' is not a column of this table` });
      });
    if (spec.primaryKey) known(['primaryKey'], spec.primaryKey);
    spec.unique?.forEach((group, i) => (Array.isArray(group) ? known(['unique', i], group) : known(['unique', i, 'columns'], group.columns)));
    spec.indexes?.forEach((index, i) => known(['indexes', i, 'columns'], index.columns));
  });
export type TableSpec = z.output<typeof tableSpecSchema>;
/** A table spec as callers write it (type names and table references still text). */
export type TableSpecInput = z.input<typeof tableSpecSchema>;

export const createTableParamsSchema = z.object({ table: tableRefSchema, schema: tableSpecSchema }).strict();
export type CreateTableParams = z.output<typeof createTableParamsSchema>;

const constraintName = { name: identifierSchema.optional() };
const addConstraintSchema = z.discriminatedUnion('type', [
  z.object({ action: z.literal('addConstraint'), type: z.literal('unique'), columns: columnList, ...constraintName }).strict(),
  z.object({ action: z.literal('addConstraint'), type: z.literal('primaryKey'), columns: columnList, ...constraintName }).strict(),
  z.object({ action: z.literal('addConstraint'), type: z.literal('check'), check: sqlExpressionSchema, ...constraintName }).strict(),
  z
    .object({
      action: z.literal('addConstraint'),
      type: z.literal('foreignKey'),
      columns: columnList,
      references: z.object({ table: tableRefSchema, columns: columnList.optional(), ...referenceActions }).strict(),
      ...constraintName,
    })
    .strict(),
]);

const column = { column: identifierSchema };
/** One alteration; alterTable applies them in order, all or none. */
export const alterationSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('addColumn'), column: columnSpecSchema, ifNotExists: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('dropColumn'), ...column, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('renameColumn'), ...column, to: identifierSchema }).strict(),
  z.object({ action: z.literal('alterColumnType'), ...column, type: typeNameSchema, using: sqlExpressionSchema.optional() }).strict(),
  z.object({ action: z.literal('setDefault'), ...column, default: defaultValueSchema }).strict(),
  z.object({ action: z.literal('dropDefault'), ...column }).strict(),
  z.object({ action: z.literal('setNotNull'), ...column }).strict(),
  z.object({ action: z.literal('dropNotNull'), ...column }).strict(),
  addConstraintSchema,
  z.object({ action: z.literal('dropConstraint'), name: identifierSchema, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict(),
  z.object({ action: z.literal('renameTable'), to: identifierSchema }).strict(),
]);
export type Alteration = z.output<typeof alterationSchema>;
/** An alteration as callers write it. */
export type AlterationInput = z.input<typeof alterationSchema>;

export const alterTableParamsSchema = z
  .object({ table: tableRefSchema, alterations: z.array(alterationSchema).min(1, 'must list at least one alteration').max(1000) })
  .strict();
export type AlterTableParams = z.output<typeof alterTableParamsSchema>;

export const dropTableParamsSchema = z.object({ table: tableRefSchema, ifExists: z.boolean().optional(), cascade: z.boolean().optional() }).strict();
export type DropTableParams = z.output<typeof dropTableParamsSchema>;

/** `schema` defaults to `public`; `'*'` lists every non-system schema as `schema.table`. */
export const listTablesParamsSchema = z.object({ schema: identifierSchema.optional() }).strict();
export type ListTablesParams = z.output<typeof listTablesParamsSchema>;

export const describeTableParamsSchema = z.object({ table: tableRefSchema }).strict();
export type DescribeTableParams = z.output<typeof describeTableParamsSchema>;

/** What describeTable answers: the table as the catalog has it. */
export interface TableDescription {
  schema: string;
  name: string;
  /** `type` as `format_type` writes it; `default` as `pg_get_expr` writes it; `ordinal` is the attnum. */
  columns: { name: string; type: string; nullable: boolean; default: string | null; primaryKey: boolean; ordinal: number }[];
  primaryKey: string[];
  /** Every index, including those behind primary key and unique constraints. */
  indexes: { name: string; columns: string[]; unique: boolean; method: string }[];
  /** `referencedTable` is bare in the table's own schema, else `schema.table`. */
  foreignKeys: { name: string; columns: string[]; referencedTable: string; referencedColumns: string[]; onDelete: ReferentialAction; onUpdate: ReferentialAction }[];
  uniqueConstraints: { name: string; columns: string[] }[];
  checkConstraints: { name: string; expression: string }[];
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
