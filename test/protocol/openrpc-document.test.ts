import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import metaSchema from '@open-rpc/meta-schema';
import jsonSchemaMetaSchema from '@json-schema-tools/meta-schema';
import { RawWorker } from '../support/raw-worker';

/**
 * docs/openrpc.json is what a running worker answers to `rpc.discover`
 * (regenerate with `npm run docs:openrpc`), and it is a valid OpenRPC 1.x
 * document: checked against the OpenRPC meta-schema (@open-rpc/meta-schema,
 * which refers to @json-schema-tools/meta-schema for the schemas in it) and
 * its schemas compile as JSON Schema.
 */
const FILE = path.join(__dirname, '..', '..', 'docs', 'openrpc.json');
const committed = JSON.parse(fs.readFileSync(FILE, 'utf8')) as { openrpc: string; methods: { name: string; params: unknown[]; result?: unknown }[]; components: { schemas: Record<string, unknown> } };

test('docs/openrpc.json is the worker\'s rpc.discover answer (else: npm run docs:openrpc)', async () => {
  const worker = new RawWorker();
  try {
    await worker.initialize();
    const answer = (await worker.request(2, 'rpc.discover')).result;
    expect(answer).toEqual(committed);
  } finally {
    await worker.close();
  }
});

/** Ajv (draft-07) compiling the OpenRPC meta-schema with the JSON Schema meta-schema it refers to. */
function openRpcValidator() {
  const bare = (s: unknown) => {
    const { $schema: _dialect, ...rest } = s as Record<string, unknown>;
    return rest;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  // The OpenRPC schema refers to it both with and without the trailing slash of its $id.
  const { $id: _id, ...jsonSchema } = bare(jsonSchemaMetaSchema);
  for (const id of ['https://meta.json-schema.tools/', 'https://meta.json-schema.tools']) ajv.addSchema(jsonSchema, id);
  return ajv.compile(bare(metaSchema));
}

test('it validates against the OpenRPC meta-schema, and every schema in it compiles', () => {
  const validate = openRpcValidator();
  expect(validate(committed) ? [] : validate.errors).toEqual([]);
  expect(committed.openrpc).toMatch(/^1\.\d+\.\d+$/);
  // The params' and components' schemas are JSON Schema 2020-12 (zod's output).
  const schemas = new Ajv2020({ strict: false });
  const all = [...Object.entries(committed.components.schemas), ...committed.methods.flatMap((m) => (m.params as { name: string; schema: unknown }[]).map((p) => [`${m.name}.${p.name}`, p.schema] as const))];
  const broken = all.filter(([, s]) => {
    try {
      schemas.compile(s as object);
      return false;
    } catch {
      return true;
    }
  });
  expect(broken.map(([name]) => name)).toEqual([]);
  expect(all.length).toBeGreaterThan(30);
});

test('an invalid document fails the same check (the check can fail)', () => {
  const validate = openRpcValidator();
  expect(validate({ ...committed, methods: [{ params: [] }] })).toBe(false);
  expect(validate({ ...committed, openrpc: '3.0.0' })).toBe(false);
});
