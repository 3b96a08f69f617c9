import { z } from 'zod';
import { walkBindList } from './wire-params';
import { UNREPRESENTABLE, ValueChecker } from './wire-values';

/**
 * A statement's bind parameters: at most 65,535 (the protocol's limit), each
 * checked by the shared value rules (wire-values: nothing JSON or UTF-8 can't
 * carry; nothing nested more than MAX_VALUE_DEPTH levels, where pg's
 * recursive encoders would overflow the stack and break the connection; nothing
 * circular) and with its tagged forms read
 * (`{ "$bytea": base64 }` → bytes, `{ "$json": text }` → the text).
 */
export const bindParamsSchema = z
  .array(z.unknown())
  .max(65_535)
  .transform((params, ctx) => {
    const checker = new ValueChecker('bind', 'receive');
    const out = walkBindList(checker, params);
    if (out !== UNREPRESENTABLE) return out as unknown[];
    ctx.addIssue({ code: 'custom', path: checker.problem!.path, message: checker.problem!.message });
    return z.NEVER;
  });
