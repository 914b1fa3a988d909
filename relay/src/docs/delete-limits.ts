/**
 * What bounds collection deletes, which are never refused for freeing space but each leave a
 * tombstone on disk for good (a directory and a file on the files store, a row on PostgreSQL):
 * a rate per account (`DOC_DELETES_PER_MINUTE`, 429 with Retry-After), and the storage quota
 * for a delete that would make a tombstone where nothing was stored — the store counts each
 * tombstone like a doc (`DOC_OVERHEAD_BYTES`), so an account past its quota cannot make more.
 * Deleting a doc that holds content always passes the quota: its tombstone is already counted.
 */
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DocName, UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import type { Coordination } from '../coordination.ts'
import { httpError } from '../errors.ts'
import { checkLimits } from '../limit-check.ts'
import { isGone, type DocStore } from '../storage/doc-store.ts'
import { DOC_OVERHEAD_BYTES } from '../storage/usage.ts'

/** A pre-handler limiting deletes per account; registers `@fastify/rate-limit` (not globally) in `app`. */
export async function deleteRate(app: FastifyInstance, config: Config, store: Coordination['rateLimitStore']) {
  await app.register(rateLimit, { global: false, ...store })
  const limiter = app.createRateLimit({
    max: config.limits.docDeletesPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `doc-delete:account:${request.userId}`,
  })
  return async function limitDeletes(request: FastifyRequest): Promise<void> {
    await checkLimits(request, [limiter], (seconds) => `Too many deletions. Try again in ${seconds} s.`)
  }
}

/** Refuses (507) a delete that would add a tombstone the owner's quota has no room for. */
export async function checkTombstoneRoom(store: DocStore, owner: UserId, name: DocName): Promise<void> {
  const { used, limit } = await store.usage(owner)
  if (limit === null || used + DOC_OVERHEAD_BYTES <= limit) return
  // Only past the quota: reading the doc tells a stored one (its tombstone is counted) from one never written.
  try {
    if ((await store.load(name)).seq > 0) return
  } catch (error) {
    if (isGone(error)) return
    throw error
  }
  throw httpError(
    507,
    'quota_exceeded',
    `This account's storage quota of ${limit} bytes is full, and deleting a collection the relay never stored would take more. Free space by deleting stored collections.`,
  )
}
