/** `GET /v1/me` and `PATCH /v1/me { name }`: the signed-in user's profile. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import { unauthorized } from '../errors.ts'
import type { UserRecord, UserStore } from '../storage/accounts/users.ts'
import { requireUser } from './access-tokens.ts'
import { publicUser } from './public-user.ts'
import { Name } from './schemas.ts'

const ProfilePatch = Type.Object({ name: Type.Optional(Name) }, { additionalProperties: false })

const gone = () => unauthorized('This account no longer exists.', 'invalid_token')

const profileRoutes: FastifyPluginAsyncTypebox<{ config: Config; users: UserStore }> = async (app, { config, users }) => {
  const present = (user: UserRecord | null) => {
    if (user === null) throw gone()
    return publicUser(user, config.publicUrl)
  }

  app.get('/v1/me', { preHandler: requireUser }, async (request) => present(await users.getUser(request.userId as UserId)))

  app.patch('/v1/me', { preHandler: requireUser, schema: { body: ProfilePatch } }, async (request) => {
    const name = request.body.name?.trim()
    const userId = request.userId as UserId
    return present(name === undefined ? await users.getUser(userId) : await users.updateUser(userId, { name }))
  })
}

export default profileRoutes
