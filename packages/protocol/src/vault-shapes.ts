/**
 * The shapes of what the relay keeps of a vault (docs/decisions.md "Vault key chain"): ids,
 * public keys and wrapped keys as unpadded base64url, and generations. The relay's vault routes
 * build their request schemas from these, and an account backup's vault record is checked
 * against the same ones, so a file can only install what the routes could have written.
 */

/** A device id: 128 random bits, base64url. */
export const DEVICE_ID_PATTERN = '^[A-Za-z0-9_-]{22}$'
/** A 65-byte uncompressed P-256 point, base64url (87 characters, starting `B` for the 0x04 prefix). */
export const PUBLIC_KEY_PATTERN = '^B[A-Za-z0-9_-]{86}$'
/**
 * A wrapped vault key (an envelope: 127 bytes to a device, 62 under the recovery key). The
 * bound leaves room for a future envelope version without letting anyone store blobs.
 */
export const WRAPPED_KEY_PATTERN = '^[A-Za-z0-9_-]{16,512}$'
/** A proof a device made with the vault key (a recovery wrap's tag: 32 bytes). The relay cannot check it; devices do. */
export const TAG_PATTERN = '^[A-Za-z0-9_-]{16,128}$'
/**
 * A generation's chain link: base64url of the client's JSON (new key id, the generation that
 * vouches for it, recipients, the previous key sealed under the new one, tag). Up to 64
 * recipients fit.
 */
export const LINK_PATTERN = '^[A-Za-z0-9_-]{16,8192}$'
/** The newest vault key generation the relay stores (1 at creation, +1 per rotation; a 32-bit column). */
export const MAX_GENERATION = 2 ** 31 - 1
/** Devices an account may hold that are not revoked: enough for every browser a person uses, few enough to bound a rotation. */
export const MAX_LIVE_DEVICES = 32
/** Devices an account may have registered in all, revoked ones included: bounds what one account stores. */
export const MAX_DEVICES = 256
