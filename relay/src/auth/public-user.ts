/** The account as clients see it (login responses, `GET /v1/me`): never hashes or secrets. */
import { Type, type Static } from '@sinclair/typebox'
import type { UserRecord } from '../storage/accounts/users.ts'

export const PublicUserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  /** Absolute URL of the avatar, versioned by its content so caches never show a stale one. */
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  emailConfirmed: Type.Boolean(),
})
export type PublicUser = Static<typeof PublicUserSchema>

export function avatarUrl(publicUrl: string, user: UserRecord): string | null {
  return user.avatarEtag === null ? null : `${publicUrl}/v1/avatars/${user.id}?v=${encodeURIComponent(user.avatarEtag)}`
}

export function publicUser(user: UserRecord, publicUrl: string): PublicUser {
  return { id: user.id, email: user.email, name: user.name, avatarUrl: avatarUrl(publicUrl, user), emailConfirmed: user.emailConfirmed }
}
