// Stops the run's shared PostgreSQL server (and deletes its data).
export default async function globalTeardown() {
  await globalThis.__PG_TEST_SERVER__?.stop();
}
