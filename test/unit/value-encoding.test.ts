import { timestampToIso, jsonSafeTypes } from '../../worker/connection/type-parsers';

test.each([
  ['2024-01-02 03:04:05+00', '2024-01-02T03:04:05+00:00'],
  ['2024-01-02 03:04:05.123456+05:30', '2024-01-02T03:04:05.123456+05:30'],
  ['2024-01-02 03:04:05-08', '2024-01-02T03:04:05-08:00'],
  ['2024-01-02 03:04:05.5', '2024-01-02T03:04:05.5'],
  ['infinity', 'infinity'],
  ['-infinity', '-infinity'],
  ['0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00 BC'],
])('timestamp %s → %s', (input, expected) => {
  expect(timestampToIso(input)).toBe(expected);
});

test('bytea hex text becomes base64; int8 and numeric stay strings', () => {
  expect(jsonSafeTypes.getTypeParser(17)('\\x68656c6c6f')).toBe(Buffer.from('hello').toString('base64'));
  expect(jsonSafeTypes.getTypeParser(20)('9223372036854775807')).toBe('9223372036854775807');
  expect(jsonSafeTypes.getTypeParser(1700)('0.1000')).toBe('0.1000');
  expect(jsonSafeTypes.getTypeParser(1185)('{"2024-01-01 00:00:00+00",NULL}')).toEqual(['2024-01-01T00:00:00+00:00', null]);
});

test('float Infinity, -Infinity, NaN and -0 stay PostgreSQL text (JSON has no such numbers), in arrays too; other floats are numbers', () => {
  for (const oid of [700, 701]) {
    const parse = jsonSafeTypes.getTypeParser(oid);
    expect(['Infinity', '-Infinity', 'NaN', '-0', '0', '1.5', '-2e-308'].map(parse)).toEqual(['Infinity', '-Infinity', 'NaN', '-0', 0, 1.5, -2e-308]);
  }
  expect(jsonSafeTypes.getTypeParser(1022)('{Infinity,-0,NULL,3}')).toEqual(['Infinity', '-0', null, 3]);
});

test('json/jsonb: plain values unless a number would change, then { $json: text }', () => {
  const parse = jsonSafeTypes.getTypeParser(3802);
  expect(parse('{"a": [1, 2.5, "12345678901234567890", null]}')).toEqual({ a: [1, 2.5, '12345678901234567890', null] });
  expect(parse('{"a": 12345678901234567890}')).toEqual({ $json: '{"a": 12345678901234567890}' });
  expect(parse('1e400')).toEqual({ $json: '1e400' });
  expect(parse('-1e-400')).toEqual({ $json: '-1e-400' });
  expect(parse('[9007199254740993]')).toEqual({ $json: '[9007199254740993]' });
  expect(parse('[9007199254740992, 0.1, 1.0, 1e21, 123456789012345.6, 5e-324]')).toEqual([9007199254740992, 0.1, 1, 1e21, 123456789012345.6, 5e-324]);
  expect(parse('{"$bytea": "AA=="}')).toEqual({ $json: '{"$bytea": "AA=="}' });
  expect(parse('{"$bytea": "AA==", "other": 1}')).toEqual({ $bytea: 'AA==', other: 1 });
  expect(jsonSafeTypes.getTypeParser(3807)('{"{\\"n\\": 12345678901234567890}","[1]"}')).toEqual([{ $json: '{"n": 12345678901234567890}' }, [1]]);
});
