/**
 * Account backup routes (docs/BACKUP.md), the signed-in caller's own account only:
 *
 * - `GET /v1/backup` — the backup file of the caller's account, streamed (memory holds one doc
 *   at a time, so any account the quota allows can be downloaded).
 * - `POST /v1/backup` (the file as `application/json` or `text/plain`, at most `MAX_RESTORE_BYTES`) — merges
 *   the file into the caller's account and answers what it did (restore.ts). A file that is not
 *   a backup this relay can read is refused with 400 and a sentence before anything is written.
 *
 * Registered after the sync plugin, whose rooms the restore goes through.
 */
import type { FastifyInstance } from 'fastify'
import { parseBackup, backupFileName, type UserId } from '@ferry/protocol'
import { requireUser } from '../auth/access-tokens.ts'
import type { Config } from '../config.ts'
import { badRequest, errorBody, httpError, unauthorized } from '../errors.ts'
import type { DocStore } from '../storage/doc-store.ts'
import type { UserStore } from '../storage/accounts/users.ts'
import type { VaultStore } from '../storage/accounts/vault.ts'
import { isPublicKey } from '../vault/public-key.ts'
import { backupStream, readVault } from './read.ts'
import { restoreBackup } from './restore.ts'

/** The largest file `POST /v1/backup` takes; a larger one restores through the app, which merges in the browser. */
export const MAX_RESTORE_BYTES = 64 * 1024 * 1024
/**
 * The largest vault record a restore installs, as JSON: 256 devices, 65 recovery wraps and a
 * link per rotation take a few hundred KiB; it is stored outside the quota.
 */
const MAX_RESTORED_VAULT_BYTES = 1024 * 1024

export interface AccountBackupOptions {
  config: Config
  docStore: DocStore
  users: UserStore
  vault: VaultStore
}

export default async function accountBackup(app: FastifyInstance, { config, docStore, users, vault }: AccountBackupOptions): Promise<void> {
  // The file is read as text (sent as JSON, or as a plain file) and parsed by the format's own
  // reader, which says what is wrong with it.
  const asText = (_request: unknown, body: string | Buffer, done: (error: null, body: string | Buffer) => void): void => done(null, body)
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_RESTORE_BYTES }, asText)
  app.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: MAX_RESTORE_BYTES }, asText)
  app.addHook('onRequest', requireUser)
  app.setErrorHandler((error: Error & { code?: string }, _request, reply) => {
    if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') throw error
    const message = `This backup is larger than ${MAX_RESTORE_BYTES / (1024 * 1024)} MiB, more than the relay takes at once: restore it in the Ferry app, which merges it in the browser.`
    return reply.status(413).send(errorBody('backup_too_large', message))
  })

  app.get('/v1/backup', async (request, reply) => {
    const owner = request.userId as UserId
    const user = await users.getUser(owner)
    if (user === null) throw unauthorized('This account no longer exists.', 'invalid_token')
    // What the relay accepted is stored first, so the file holds it.
    await app.sync.flush()
    const head = {
      createdAt: new Date().toISOString(),
      source: { relay: config.publicUrl, accountId: owner, email: user.email },
      profile: user.name.trim() === '' ? null : { name: user.name },
      vault: await readVault(vault, owner),
    }
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${backupFileName(head)}"`)
      .header('cache-control', 'no-store')
      .send(backupStream(docStore, owner, head))
  })

  app.post('/v1/backup', async (request) => {
    if (typeof request.body !== 'string') throw httpError(415, 'unsupported_media_type', 'Send the backup file as application/json.')
    const parsed = parseBackup(request.body, { maxUpdateDecodedBytes: config.limits.maxUpdateDecodedBytes })
    if (!parsed.ok) throw badRequest(parsed.error.message, `backup_${parsed.error.code}`)
    const file = parsed.value
    // What an install would store outside the quota (on files, in the one accounts file every sign-in rewrites).
    if (file.vault && JSON.stringify(file.vault).length > MAX_RESTORED_VAULT_BYTES) {
      const message = `This backup's vault record is larger than ${MAX_RESTORED_VAULT_BYTES / (1024 * 1024)} MiB, more than an account's vault holds.`
      throw httpError(413, 'backup_too_large', message)
    }
    // The one check of a vault record the format's reader cannot make (it runs in browsers too, synchronously).
    for (const [i, device] of (file.vault?.devices ?? []).entries()) {
      if (!(await isPublicKey(device.publicKey))) throw badRequest(`This backup is damaged: vault.devices[${i}].publicKey is not a P-256 public key.`, 'backup_malformed')
    }
    const owner = request.userId as UserId
    return restoreBackup({ owner, vault, users, applyUpdate: (name, update) => app.sync.applyUpdate(name, update) }, file)
  })
}
