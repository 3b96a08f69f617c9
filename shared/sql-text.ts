import { z } from 'zod';

/** Why a text can't be sent to PostgreSQL as it is, if it can't: a lone UTF-16 surrogate has no UTF-8 form. */
export function textProblem(text: string): string | undefined {
  return text.isWellFormed() ? undefined : 'contains a lone UTF-16 surrogate, which has no UTF-8 form (PostgreSQL would get U+FFFD instead)';
}

/** A SQL text: non-empty, and exactly what PostgreSQL will read. */
export function sqlTextSchema(what: 'statement' | 'expression'): z.ZodType<string, string> {
  return z
    .string()
    .min(1, `must be a non-empty SQL ${what === 'statement' ? 'string' : 'expression'}`)
    .superRefine((text, ctx) => {
      const problem = textProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}
