/**
 * The one redaction rule for secrets (docs/plugin-api.md#configuration): used by log redaction, error
 * details and anything that echoes configuration back.
 */

export const REDACTED = '[REDACTED]';

/** Keys whose values are secrets wherever they appear. */
export const SECRET_KEYS: readonly string[] = Object.freeze(['password', 'connectionString', 'key', 'passphrase', 'pfx']);

/** pino `redact.paths` covering the secret keys at the depths configs and params reach in logs. */
export const LOG_REDACT_PATHS: readonly string[] = Object.freeze(
  SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
);

/** `postgres://user:secret@host/db` → `postgres://user:[REDACTED]@host/db`. */
export function redactConnectionString(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, `$1:${REDACTED}@`).replace(
    /(password=)[^&\s]*/gi,
    `$1${REDACTED}`,
  );
}

/** A deep copy of `value` with every secret key's value replaced. */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, 0) as T;
}

function redactValue(value: unknown, depth: number): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.includes(k) && v !== undefined ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

/** Removes every occurrence of each secret from a text (for messages built from foreign errors). */
export function scrubText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 1) out = out.split(secret).join(REDACTED);
  }
  return out;
}
