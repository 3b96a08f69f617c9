import type pg from 'pg';
import { Errors } from '../../shared/errors';
import type { PluginError } from '../../shared/plugin-error';
import { asCustomTypes } from '../connection/pg-internals';
import { jsonSafeTypes } from '../connection/type-parsers';

/**
 * The byte budget of one plain result (`options.maxResultBytes`): every
 * value's text is counted as pg parses it, while the rows arrive. Past the
 * budget `onExceeded` runs once (the caller cancels the statement on the
 * server) and the parser throws: pg then keeps no more rows and answers the
 * query with that error, POSTGRES_RESULT_TOO_LARGE. So the worker never holds
 * much more than the budget of one result, however large it would have been.
 */
export class ResultBudget {
  private used = 0;
  /** Values of the current row that were not NULL (each NULL still costs its `null`). */
  private values = 0;
  private exceeded = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onExceeded: () => void,
  ) {}

  /** pg's `types` option for one query: the JSON-safe parsers (type-parsers), counting what they parse. */
  types(): pg.CustomTypesConfig {
    return asCustomTypes({
      getTypeParser: (oid: number, format?: 'text' | 'binary') => {
        const parse = jsonSafeTypes.getTypeParser(oid, format);
        return (text: string) => {
          // The text plus a separator: close to what the value costs as JSON.
          this.used += text.length + 1;
          this.values++;
          if (this.used > this.maxBytes) this.exceed();
          return parse(text);
        };
      },
    });
  }

  /** Counts each row of `query` (brackets, and `null` for each NULL): rows of NULLs are not free. */
  watch(query: pg.Query): pg.Query {
    query.on('row', (_row: unknown, result?: pg.ResultBuilder) => {
      this.used += 2 + 5 * ((result?.fields.length ?? 0) - this.values);
      this.values = 0;
      // No throw here: a listener's error would escape pg. The next value throws, or the cancel lands.
      if (this.used > this.maxBytes && !this.exceeded) {
        this.exceeded = true;
        this.onExceeded();
      }
    });
    return query;
  }

  /** Whether the result passed the budget: whatever pg answered then, the answer is POSTGRES_RESULT_TOO_LARGE. */
  get wasExceeded(): boolean {
    return this.exceeded;
  }

  /** The error for a result that passed the budget. */
  error(): PluginError {
    return Errors.resultBytesTooLarge(this.maxBytes);
  }

  private exceed(): never {
    if (!this.exceeded) {
      this.exceeded = true;
      this.onExceeded();
    }
    throw this.error();
  }
}
