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
