/**
 * Suite `lookup`: a primary-key lookup on a 10,000-row table at 1 and 64
 * requests in flight, for in-process pg (unnamed / prepared) and the worker
 * (default prepared / preparedStatements: false), on the same server, beside
 * the floors of a hop (raw pipe, JSON-RPC echo: hop-floors.ts), the
 * contenders taking turns in rounds; CPU per request of this process and of
 * the contender's child. Returns the number of failed requests.
 */
import { availableParallelism } from 'node:os';
import { createLookupFixture } from './bench-server';
import { measureInTurns } from './load-loop';
import { lookupContenders } from './lookup-contenders';
import { formatLookupReport, type Cell } from './lookup-report';
import type { SuiteContext } from './suite';

const CONCURRENCIES = [1, 64] as const;

export async function lookupSuite(ctx: SuiteContext): Promise<number> {
  const { server, plugins, settings } = ctx;
  console.log(`\n== Suite lookup: SELECT … FROM bench_users WHERE id = $1 ==`);
  await createLookupFixture(server);
  console.log(
    `  bench_users: 10,000 rows; ${settings.warmupSeconds} s warm-up + ${settings.seconds} s measured per cell ` +
      `in ${settings.rounds} interleaved rounds, in flight ${CONCURRENCIES.join(' / ')}`,
  );

  const contenders = lookupContenders(plugins, server);
  const cells: Cell[] = [];
  let sdkOwnMicros: number | undefined;
  try {
    // Concurrency outermost, and within it the contenders take turns round by round: the cells
    // compared with each other run next to each other in time.
    for (const concurrency of CONCURRENCIES) {
      const here = contenders.filter((c) => c.concurrencies === undefined || c.concurrencies.includes(concurrency));
      for (const { contender, result } of await measureInTurns(here, concurrency, settings)) {
        cells.push({ contender, concurrency, result });
        const failed = result.failures > 0 ? `, ${result.failures} FAILED` : '';
        console.log(`  measured ${contender.label} @${concurrency}: ${Math.round(result.throughput)} req/s${failed}`);
        for (const sample of result.failureSamples) console.log(`    failure: ${sample}`);
      }
    }
    for (const contender of contenders) if (contender.sdkOwnWorkMicros) sdkOwnMicros = await contender.sdkOwnWorkMicros();
  } finally {
    await Promise.all(contenders.map((c) => c.close()));
  }

  console.log('');
  console.log(formatLookupReport(cells, { sdkOwnMicros, cores: availableParallelism() }));
  return cells.reduce((sum, cell) => sum + cell.result.failures, 0);
}
