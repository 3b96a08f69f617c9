import type { z } from 'zod';
import { PluginError } from './plugin-error';
import { PluginErrorCode } from './error-codes';

/** One validation problem, with the dotted path of the offending field. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Turns zod issues into `{ path, message }` pairs rooted at `root` (e.g. `params`). */
export function describeIssues(issues: readonly z.core.$ZodIssue[], root: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // A union failing everywhere is clearest reported through its closest branch:
      // the one that got past the type check (deepest issues), then the fewest issues.
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.min(...branch.map((i) => i.path.length));
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) || (depth(b) === depth(a) && b.length < a.length) ? b : a));
      const nested = describeIssues(best.map((i) => ({ ...i, path: [...issue.path, ...i.path] })), root);
      out.push(...nested);
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: joinPath(root, [...issue.path, key]), message: `unknown key '${key}'` });
      }
      continue;
    }
    // zod says "expected string, received undefined" for a missing field; say what a person would.
    const missing = issue.code === 'invalid_type' && issue.message.endsWith('received undefined');
    out.push({ path: joinPath(root, issue.path), message: missing ? `required (${issue.expected})` : issue.message });
  }
  return out;
}

function joinPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/**
 * The `POSTGRES_INVALID_PARAMS` error for a set of issues; its message names
 * every field and is derived from the issues alone, so an error rebuilt from
 * its `details.issues` reads the same. `details` adds fields beside `issues`.
 */
export function invalidParams(issues: ValidationIssue[], details: Record<string, unknown> = {}): PluginError {
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new PluginError(PluginErrorCode.INVALID_PARAMS, `Invalid params: ${summary}`, { ...details, issues });
}

/**
 * Parses `value` with a (pre-built) schema, throwing `POSTGRES_INVALID_PARAMS`
 * whose details list each issue with its path under `root`.
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw invalidParams(describeIssues(result.error.issues, root));
}
