/**
 * libpq's key=value connection string (`host=db port=5432 user=app
 * password='it\'s secret' dbname=app`), the form pg's own parser doesn't read
 * (it takes every string for a URL, so this one became a host named `base`).
 * Read into the config's flat fields; the URL form is left to pg.
 *
 * Syntax as libpq: `keyword = value` pairs separated by whitespace, spaces
 * around `=` allowed; a value is either single-quoted (`'…'`, where `\'` and
 * `\\` stand for `'` and `\`) or runs to the next whitespace (a backslash
 * escapes the next character there too). Messages never repeat a value: the
 * password is one of them.
 */

/** What `sslmode` sets: the config's `ssl` (a subset of its shape). */
export type SslMode = boolean | { rejectUnauthorized: false };

/** The fields a key=value string sets, under the config's names. */
export interface ConnectionStringFields {
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: SslMode;
  applicationName?: string;
  /** From `connect_timeout` (seconds); a pool setting in the config. */
  connectionTimeoutMillis?: number;
}

const KEYWORDS: Record<string, (value: string) => Partial<ConnectionStringFields> | string> = {
  host: (v) => ({ host: v }),
  hostaddr: (v) => ({ host: v }),
  port: (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65_535 ? { port: Number(v) } : 'port must be a whole number from 1 to 65535'),
  dbname: (v) => ({ database: v }),
  user: (v) => ({ user: v }),
  password: (v) => ({ password: v }),
  application_name: (v) => (v.length <= 63 ? { applicationName: v } : 'application_name must be at most 63 characters'),
  connect_timeout: (v) => (/^\d{1,7}$/.test(v) ? { connectionTimeoutMillis: Number(v) * 1000 } : 'connect_timeout must be a whole number of seconds'),
  sslmode: (v) => {
    const ssl = SSL_MODES[v];
    return ssl === undefined ? `sslmode must be one of ${Object.keys(SSL_MODES).join(', ')}` : { ssl };
  },
};

/** libpq keywords this reader does not take, named in the error (any other word might be part of a secret). */
const LIBPQ_ONLY = ['options', 'service', 'passfile', 'client_encoding', 'sslcert', 'sslkey', 'sslrootcert', 'sslpassword', 'sslcrl', 'sslnegotiation', 'gssencmode', 'channel_binding', 'target_session_attrs', 'keepalives', 'requirepeer'];

/** As pg reads `sslmode` in the URL form: SSL with the certificate verified unless `disable` (or `allow`); `no-verify` skips the check. */
const SSL_MODES: Record<string, SslMode> = {
  disable: false,
  allow: false,
  prefer: true,
  require: true,
  'verify-ca': true,
  'verify-full': true,
  'no-verify': { rejectUnauthorized: false },
};

/** Whether a connection string is the key=value form (it starts with `keyword =`; a URL starts with `scheme:`). */
export function isKeyValueConnectionString(text: string): boolean {
  return /^\s*[A-Za-z_][A-Za-z0-9_]*\s*=/.test(text);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/** The fields of a key=value connection string, or what is wrong with it (never quoting a value). */
export function parseKeyValueConnectionString(text: string): { fields: ConnectionStringFields } | { error: string } {
  const fields: ConnectionStringFields = {};
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && isSpace(text[i])) i++;
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const start = i;
    while (i < text.length && text[i] !== '=' && !isSpace(text[i])) i++;
    const keyword = text.slice(start, i);
    skipSpace();
    // Positions, not words: a misquoted password would otherwise be echoed as a "keyword".
    if (text[i] !== '=') return { error: `missing '=' after the keyword at character ${start + 1}` };
    i++;
    skipSpace();
    let value = '';
    if (text[i] === "'") {
      const quote = i;
      for (i++; ; i++) {
        if (i >= text.length) return { error: `unterminated quoted value (the quote at character ${quote + 1})` };
        if (text[i] === '\\' && i + 1 < text.length) value += text[++i];
        else if (text[i] === "'") break;
        else value += text[i];
      }
      i++;
    } else {
      for (; i < text.length && !isSpace(text[i]); i++) value += text[i] === '\\' && i + 1 < text.length ? text[++i] : text[i];
    }
    const read = KEYWORDS[keyword];
    if (read === undefined || !Object.prototype.hasOwnProperty.call(KEYWORDS, keyword)) {
      const which = LIBPQ_ONLY.includes(keyword) ? `keyword '${keyword}' is not supported` : `unknown keyword at character ${start + 1}`;
      return { error: `${which} (supported: ${Object.keys(KEYWORDS).join(', ')})` };
    }
    const set = read(value);
    if (typeof set === 'string') return { error: set };
    Object.assign(fields, set);
  }
  return { fields };
}
