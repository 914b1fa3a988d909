import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe } from 'vitest'
import { openPool } from '../../relay/src/storage/postgres/database.ts'
import { PgDocStore } from '../../relay/src/storage/postgres/pg-doc-store.ts'
import { PgVersionStore } from '../../relay/src/storage/versions/pg-version-store.ts'
import { createTestSchema, skipPostgres } from '../helpers/postgres.ts'
import { versionStoreContract } from './version-store.contract.ts'

const ignoreIdleErrors = (): void => undefined

describe.skipIf(skipPostgres)('PgVersionStore', () => {
  versionStoreContract('postgres', async () => {
    const schema = await createTestSchema()
    const masterKey = randomBytes(32)
    const pools: pg.Pool[] = []
    return {
      // A fresh pool per open, like a relay restart.
      async open() {
        const pool = openPool(schema.url, ignoreIdleErrors)
        pools.push(pool)
        const docs = await PgDocStore.open(pool, masterKey)
        return { docs, versions: await PgVersionStore.open(pool, masterKey) }
      },
      async rawBytes() {
        const client = new pg.Client({ connectionString: schema.url })
        await client.connect()
        try {
          const { rows } = await client.query<{ meta: Buffer; state: Buffer }>('SELECT meta, state FROM ferry_doc_versions')
          return Buffer.concat(rows.flatMap((row) => [row.meta, row.state]))
        } finally {
          await client.end()
        }
      },
      async cleanup() {
        await Promise.all(pools.map((pool) => pool.end()))
        await schema.drop()
      },
    }
  })
})
