/**
 * `ferry-relay users list|delete <email>`: account administration from the host.
 *
 * On the embedded store the data dir has one writer, so these commands take its lock: they
 * refuse while a relay runs on it (stop it first; a user can delete their own account from the
 * demo's Settings meanwhile). On PostgreSQL they run beside the relays; with Redis, a deletion
 * also tells every running relay, which closes the account's sockets at once.
 *
 * `users disable` is not available yet: a disabled flag needs every sign-in path (password,
 * OIDC, reset, refresh) to refuse it, which this release does not have.
 */
import Fastify from 'fastify'
import { broadcastEffects, deleteAccount } from '../auth/delete-account.ts'
import { normalizeEmail } from '../auth/secrets.ts'
import type { Config } from '../config.ts'
import { createCoordination, type Coordination } from '../coordination.ts'
import { lockDataDir } from '../data-dir.ts'
import { createStores, type Stores } from '../storage/index.ts'
import type { Command } from './args.ts'
import { CommandError } from './command-error.ts'
import { plural } from './plural.ts'

type UsersCommand = Extract<Command, { name: 'users' }>

/** Opens the stores (the embedded ones under the data dir's lock), runs `task`, closes them. */
async function withStores<T>(config: Config, task: (stores: Stores) => Promise<T>): Promise<T> {
  const release = config.databaseUrl === null ? lockDataDir(config.dataDir) : () => undefined
  try {
    const stores = await createStores(config, (error) => console.error(`Database connection error: ${error.message}`))
    try {
      return await task(stores)
    } finally {
      await stores.close()
    }
  } finally {
    release()
  }
}

async function list(config: Config): Promise<number> {
  const users = await withStores(config, (stores) => stores.users.listUsers())
  for (const user of users) {
    const how = [user.passwordHash ? 'password' : 'sign-in provider', user.emailConfirmed ? 'confirmed' : 'unconfirmed'].join(', ')
    console.log(`${user.email}\t${user.name}\t${how}\tsince ${new Date(user.createdAt).toISOString().slice(0, 10)}\t${user.id}`)
  }
  console.log(`${plural(users.length, 'account')}.`)
  return 0
}

async function remove(config: Config, email: string): Promise<number> {
  return withStores(config, async (stores) => {
    const user = await stores.users.findUserByEmail(normalizeEmail(email))
    if (user === null) throw new CommandError(`no account has the email ${email}`)
    let coordination: Coordination | null = null
    try {
      if (config.redisUrl !== null) coordination = await createCoordination(config, Fastify({ logger: { level: 'warn' } }).log)
      const deleted = await deleteAccount(stores, user.id, coordination ? broadcastEffects(coordination.broadcast, stores.docs) : undefined)
      if (deleted === null) throw new CommandError(`the account ${email} was deleted meanwhile`)
      console.log(
        `Deleted the account ${user.email} (${user.id}): ${plural(deleted.docs, 'document')}, ${plural(deleted.links, 'share link')}, ` +
          `${plural(deleted.devices, 'vault device')}${deleted.avatar ? ', its avatar' : ''}, every session and pending mail link.`,
      )
      if (config.databaseUrl !== null && coordination === null) {
        console.log('No REDIS_URL, so running relays were not told: restart them to close sockets the account still has open.')
      }
    } finally {
      await coordination?.close()
    }
    return 0
  })
}

export async function users(config: Config, command: UsersCommand): Promise<number> {
  switch (command.action) {
    case 'list':
      return list(config)
    case 'delete':
      return remove(config, command.email)
    case 'disable':
      throw new CommandError('users disable is not available yet; `ferry-relay users delete <email>` removes an account for good')
  }
}
