/**
 * The PostgreSQL connection the scaled-out stores share, and their schema migrations. Each
 * store owns an append-only list of migrations under its own component name; `migrate` runs
 * the ones a database has not seen yet, under an advisory lock so that relay instances
 * starting together do not race, each in its own transaction.
 */
import pg from 'pg'

/** Any id for the advisory lock, as long as every Ferry instance uses the same one. */
const MIGRATION_LOCK = 0x4665_7279

/** A pool on `url`. Query errors surface to callers; an idle client's error must not crash the relay. */
export function openPool(url: string, onIdleError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 30_000 })
  pool.on('error', onIdleError)
  return pool
}

/** Runs `fn` in a transaction on one client; rolls back if it throws. */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/** Applies `component`'s migrations past the ones already recorded; `migrations[i]` is version i + 1. */
export async function migrate(pool: pg.Pool, component: string, migrations: readonly string[]): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await client.query(`CREATE TABLE IF NOT EXISTS ferry_migrations (
      component text NOT NULL, version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version))`)
    const { rows } = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM ferry_migrations WHERE component = $1',
      [component],
    )
    for (let version = (rows[0]?.version ?? 0) + 1; version <= migrations.length; version++) {
      await client.query(migrations[version - 1] as string)
      await client.query('INSERT INTO ferry_migrations (component, version) VALUES ($1, $2)', [component, version])
    }
  })
}
