/**
 * `persisted` latency on PostgreSQL (`DATABASE_URL`): one `ack=1` socket writes small updates
 * paced like typing (5 ms apart) to a relay whose documents live in PostgreSQL, against the
 * floor such an ack sits on — a round trip to the same relay plus one bare autocommitted
 * INSERT of a small row on the same database — and against the same workload on a relay on
 * the embedded files store. Needs PostgreSQL (`TEST_DATABASE_URL`).
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startServer } from './fanout.ts'
import { LATENCY_SAMPLES, persistedLatency, roundTripLatency } from './latency.ts'
import { percentile, report, type BenchRow } from './report.ts'
import { createTestSchema } from '../helpers/postgres.ts'

const PACE_MS = 5

/** One small autocommitted INSERT per sample: what a durable commit costs on this database. */
async function bareCommitLatency(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query('CREATE TABLE bench_commit (id serial PRIMARY KEY, data bytea NOT NULL)')
  const row = randomBytes(64)
  const samples: number[] = []
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const start = performance.now()
    await client.query('INSERT INTO bench_commit (data) VALUES ($1)', [row])
    samples.push(performance.now() - start)
    await new Promise((resolve) => setTimeout(resolve, PACE_MS))
  }
  await client.end()
  return samples
}

async function main(): Promise<void> {
  const schema = await createTestSchema()
  try {
    const onPostgres = await startServer('ferry', {
      DATABASE_URL: schema.url,
      FERRY_MASTER_KEY: randomBytes(32).toString('base64'),
      FERRY_JWT_SECRET: randomBytes(32).toString('base64url'),
    })
    const onFiles = await startServer('ferry')
    // Warm-up (JIT, first load, prepared plans), not counted.
    await persistedLatency(onPostgres, PACE_MS)
    await persistedLatency(onFiles, PACE_MS)
    const postgres = await persistedLatency(onPostgres, PACE_MS)
    const files = await persistedLatency(onFiles, PACE_MS)
    const roundTrip = await roundTripLatency(onPostgres, PACE_MS)
    const commit = await bareCommitLatency(schema.url)
    await onPostgres.stop()
    await onFiles.stop()
    const floor = (p: number) => percentile(roundTrip, p) + percentile(commit, p)
    const rows: BenchRow[] = [50, 99].flatMap((p): BenchRow[] => [
      { metric: `persisted latency p${p} on PostgreSQL, paced ${PACE_MS} ms`, ferry: percentile(postgres, p), reference: floor(p), unit: 'ms', against: `round trip + bare INSERT commit p${p}` },
      { metric: `persisted latency p${p} on PostgreSQL, paced ${PACE_MS} ms`, ferry: percentile(postgres, p), reference: percentile(files, p), unit: 'ms', against: `the same relay on the files store p${p}` },
    ])
    report('postgres-persisted', rows, { samples: LATENCY_SAMPLES, paceMs: PACE_MS })
  } finally {
    await schema.drop()
  }
}

await main()
