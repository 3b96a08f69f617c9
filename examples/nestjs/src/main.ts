/**
 * `npm run example:nestjs`: an embedded PostgreSQL, the shop's tables, and the
 * NestJS app on http://127.0.0.1:3000 (PORT to change it). Ctrl+C stops the
 * app, its plugin workers and the server.
 */
import { startEmbeddedServer } from '../../../scripts/support/embedded-server';
import { createShopApp } from './create-app';

async function main(): Promise<void> {
  const server = await startEmbeddedServer();
  const { host, port, user, password, database } = server;
  const app = await createShopApp({ config: { host, port, user, password, database }, stop: () => server.stop() });
  app.enableShutdownHooks();
  const listening = Number(process.env.PORT ?? 3000);
  await app.listen(listening, '127.0.0.1');
  const base = `http://127.0.0.1:${listening}`;
  process.stdout.write(
    [
      `shop listening on ${base} (PostgreSQL: embedded on port ${port})`,
      `  curl ${base}/users/1`,
      `  curl -X POST ${base}/orders -H 'content-type: application/json' -d '{"userId":1,"sku":"tea","quantity":2}'`,
      `  curl -X POST ${base}/orders -H 'content-type: application/json' -d '{"userId":2,"sku":"teapot","quantity":1}'   # 409: all or nothing`,
      `  curl ${base}/health`,
      'Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`the example failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
