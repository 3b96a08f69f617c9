/**
 * `npm run docs:openrpc`: writes the worker's `rpc.discover` document to
 * docs/openrpc.json, so hosts in other languages can generate clients from it.
 * test/protocol/openrpc-document.test.ts fails when the file and a running
 * worker's answer differ.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openRpcDocument } from '../worker/rpc/openrpc';

const root = path.join(__dirname, '..', '..');
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
const file = path.join(root, 'docs', 'openrpc.json');
fs.writeFileSync(file, JSON.stringify(openRpcDocument(version), null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), file)}`);
