/**
 * `AvatarStore`: each user's one avatar image, named on the user record by its content tag.
 *
 * Every implementation must pass `test/contracts/avatar-store.contract.ts`.
 */
import type { UserId } from '@ferry/protocol'

/** A normalised avatar image (WebP, at most a few tens of KiB). */
export interface Avatar {
  readonly bytes: Uint8Array
  readonly etag: string
}


/** The port of the avatar routes. */
export interface AvatarStore {
  /** Stores the avatar and sets the user's `avatarEtag`; false when the user does not exist. */
  putAvatar(userId: UserId, avatar: Avatar): Promise<boolean>
  getAvatar(userId: UserId): Promise<Avatar | null>
  /** Deletes the avatar and clears the user's `avatarEtag`; false when there was none. */
  deleteAvatar(userId: UserId): Promise<boolean>
}
