import { EncodedJson } from '../../shared/transport/encoded-json';
import { encodeInSlices } from '../../worker/rpc/sliced-encoding';

/** Large answers are stringified a slice of rows per event-loop turn; their JSON means the same. */

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i, label: `row "${i}" \\ ü`, at: null, nested: { list: [i, 'x'] } }));

test('a small answer is left as it is: no promise, no extra turn', () => {
  const small = { rows: rows(10), rowCount: 10 };
  expect(encodeInSlices(small)).toBe(small);
  expect(encodeInSlices(null)).toBeNull();
  expect(encodeInSlices(42)).toBe(42);
});

test('a result with many rows (object or bare array) becomes the same JSON, written in slices', async () => {
  const result = { rows: rows(9_999), rowCount: 9_999, command: 'SELECT', fields: [{ name: 'id', dataTypeID: 23 }] };
  const encoded = await encodeInSlices(result);
  expect(encoded).toBeInstanceOf(EncodedJson);
  expect(JSON.parse((encoded as EncodedJson).text)).toEqual(JSON.parse(JSON.stringify(result)));
  const bare = rows(5_001);
  expect(JSON.parse(((await encodeInSlices(bare)) as EncodedJson).text)).toEqual(bare);
  expect(JSON.parse(((await encodeInSlices({ rows: bare })) as EncodedJson).text)).toEqual({ rows: bare });
});

test('other work runs between the slices', async () => {
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  const encoding = encodeInSlices({ rows: rows(40_000) });
  const before = turns;
  await encoding;
  clearInterval(tick);
  expect(turns - before).toBeGreaterThan(3);
});
