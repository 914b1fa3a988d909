/**
 * `ferry-relay users list|disable|enable|delete`: account administration from the host.
 *
 * On the embedded store the data dir has one writer, so these commands take its lock: they
 * refuse while a relay runs on it (stop it first; a user can delete their own account from the
 * demo's Settings meanwhile). On PostgreSQL they run beside the relays; with Redis, a deletion
 * or a disable also tells every running relay, which closes the account's sockets at once.
 */
import Fastify from 'fastify'
import { broadcastEffects, deleteAccount, type LiveEffects } from '../auth/delete-account.ts'
import { normalizeEmail } from '../auth/secrets.ts'
import type { Config } from '../config.ts'
import { createCoordination } from '../coordination.ts'
import { lockDataDir } from '../data-dir.ts'
import type { UserRecord } from '../storage/accounts/users.ts'
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
    const how = [user.passwordHash ? 'password' : 'sign-in provider', user.emailConfirmed ? 'confirmed' : 'unconfirmed', ...(user.disabled === true ? ['DISABLED'] : [])].join(', ')
    console.log(`${user.email}\t${user.name}\t${how}\tsince ${new Date(user.createdAt).toISOString().slice(0, 10)}\t${user.id}`)
  }
  console.log(`${plural(users.length, 'account')}.`)
  return 0
}

/**
 * Runs `task` with what tells running relays about the account (over Redis, when set): they
 * close its sockets at once. Without Redis on PostgreSQL, running relays are not told.
 */
async function withLiveEffects<T>(config: Config, stores: Stores, task: (live: LiveEffects | undefined) => Promise<T>): Promise<T> {
  if (config.redisUrl === null) {
    const result = await task(undefined)
    if (config.databaseUrl !== null) console.log('No REDIS_URL, so running relays were not told: restart them to close sockets the account still has open.')
    return result
  }
  const coordination = await createCoordination(config, Fastify({ logger: { level: 'warn' } }).log)
  try {
    return await task(broadcastEffects(coordination.broadcast, stores.docs))
  } finally {
    await coordination.close()
  }
}

async function userByEmail(stores: Stores, email: string): Promise<UserRecord> {
  const user = await stores.users.findUserByEmail(normalizeEmail(email))
  if (user === null) throw new CommandError(`no account has the email ${email}`)
  return user
}

async function remove(config: Config, email: string): Promise<number> {
  return withStores(config, async (stores) => {
    const user = await userByEmail(stores, email)
    const deleted = await withLiveEffects(config, stores, (live) => deleteAccount(stores, user.id, live))
    if (deleted === null) throw new CommandError(`the account ${email} was deleted meanwhile`)
    console.log(
      `Deleted the account ${user.email} (${user.id}): ${plural(deleted.docs, 'document')}, ${plural(deleted.links, 'share link')}, ` +
        `${plural(deleted.devices, 'vault device')}${deleted.avatar ? ', its avatar' : ''}, every session and pending mail link.`,
    )
    return 0
  })
}

/** Disabling ends every session (a sign-in racing it is refused by `Sessions` re-reading the user); enabling lets it sign in again. */
async function setDisabled(config: Config, email: string, disabled: boolean): Promise<number> {
  return withStores(config, async (stores) => {
    const user = await userByEmail(stores, email)
    if ((await stores.users.updateUser(user.id, { disabled })) === null) throw new CommandError(`the account ${email} was deleted meanwhile`)
    if (disabled) {
      await stores.sessions.revokeAllRefreshTokens(user.id)
      await withLiveEffects(config, stores, async (live) => live?.sessionsEnded(user.id))
      console.log(`Disabled the account ${user.email} (${user.id}): its sessions ended and it cannot sign in until \`ferry-relay users enable\`. Its data is kept.`)
    } else {
      console.log(`Enabled the account ${user.email} (${user.id}): it can sign in again.`)
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
      return setDisabled(config, command.email, true)
    case 'enable':
      return setDisabled(config, command.email, false)
  }
}
