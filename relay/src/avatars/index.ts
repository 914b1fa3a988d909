/**
 * Avatars: `PUT /v1/me/avatar` (multipart, one file in the field `image`, at most
 * `limits.maxAvatarBytes`) stores a normalised 256×256 WebP; `GET /v1/avatars/:userId` serves
 * it to anyone (it is shown next to shared collections), with a strong ETag and caching.
 * Too large → 413; not an image, or too many pixels → 422.
 */
import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { UserId } from '@ferry/protocol'
import type { Config } from '../config.ts'
import type { AvatarStore } from '../storage/accounts/avatars.ts'
import type { UserStore } from '../storage/accounts/users.ts'
import { badRequest, HttpError, notFound, unauthorized } from '../errors.ts'
import { requireUser } from '../auth/access-tokens.ts'
import { publicUser } from '../auth/public-user.ts'
import { Semaphore } from '../semaphore.ts'
import { normalizeAvatar } from './normalize.ts'

/** How long browsers and proxies may reuse an avatar without asking, seconds. */
const MAX_AGE_SECONDS = 3600
/** Uploads decoded at once; a decoded 4096×4096 image holds up to 64 MiB. */
const CONCURRENT_DECODES = 2

const rejection = {
  not_an_image: 'The file is not an image Ferry can read (JPEG, PNG, WebP, GIF, AVIF, HEIF, TIFF).',
  too_many_pixels: 'The image has too many pixels; use one of at most 4096×4096.',
} as const

export interface AvatarsOptions {
  config: Config
  avatars: AvatarStore
  users: UserStore
}

const avatarRoutes: FastifyPluginAsyncTypebox<AvatarsOptions> = async (app, { config, avatars, users }) => {
  await app.register(multipart, {
    limits: { fileSize: config.limits.maxAvatarBytes, files: 1, fields: 0, parts: 1, headerPairs: 50 },
    throwFileSizeLimit: true,
  })
  const decoding = new Semaphore(CONCURRENT_DECODES)

  app.put('/v1/me/avatar', { preHandler: requireUser }, async (request) => {
    if (!request.isMultipart()) throw new HttpError(415, 'unsupported_media_type', 'Send the image as multipart/form-data in the field "image".')
    let image: Buffer
    try {
      const file = await request.file()
      if (!file || file.fieldname !== 'image') throw badRequest('Send the image in the multipart field "image".', 'missing_image')
      image = await file.toBuffer()
    } catch (error) {
      if (error instanceof HttpError) throw error
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new HttpError(413, 'too_large', `The image is larger than ${config.limits.maxAvatarBytes} bytes.`)
      }
      throw badRequest(`Malformed upload: ${(error as Error).message}`, 'bad_multipart')
    }
    const avatar = await decoding.run(() => normalizeAvatar(image))
    if (!avatar.ok) throw new HttpError(422, avatar.error, rejection[avatar.error])
    const userId = request.userId as UserId
    if (!(await avatars.putAvatar(userId, avatar.value))) throw unauthorized('This account no longer exists.', 'invalid_token')
    const user = await users.getUser(userId)
    if (user === null) throw unauthorized('This account no longer exists.', 'invalid_token')
    return publicUser(user, config.publicUrl)
  })

  app.get(
    '/v1/avatars/:userId',
    { schema: { params: Type.Object({ userId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) }) } },
    async (request, reply) => {
      const avatar = await avatars.getAvatar(request.params.userId as UserId)
      if (avatar === null) throw notFound('This user has no avatar.')
      const etag = `"${avatar.etag}"`
      reply.header('etag', etag).header('cache-control', `public, max-age=${MAX_AGE_SECONDS}`)
      const ifNoneMatch = request.headers['if-none-match']
      if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        return reply.status(304).send()
      }
      return reply.type('image/webp').send(Buffer.from(avatar.bytes))
    },
  )
}

export default avatarRoutes
