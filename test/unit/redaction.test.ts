import { redactConnectionString, redactSecrets, scrubText, REDACTED } from '../../shared/redaction';

test('connection strings lose their password', () => {
  expect(redactConnectionString('postgres://app:s3cr%40t@db:5432/x?sslmode=require')).toBe(`postgres://app:${REDACTED}@db:5432/x?sslmode=require`);
  expect(redactConnectionString('host=db password=hunter2 user=x')).toBe(`host=db password=${REDACTED} user=x`);
});

test('secret keys are replaced at any depth', () => {
  expect(redactSecrets({ host: 'h', password: 'p', connection: { connectionString: 'c', user: 'u' }, ssl: { key: 'k', ca: 'ca' } })).toEqual({
    host: 'h',
    password: REDACTED,
    connection: { connectionString: REDACTED, user: 'u' },
    ssl: { key: REDACTED, ca: 'ca' },
  });
});

test('scrubText removes every occurrence', () => {
  expect(scrubText('pw=abc and abc again', ['abc', undefined])).toBe(`pw=${REDACTED} and ${REDACTED} again`);
});
