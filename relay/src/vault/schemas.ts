/**
 * Bodies and answers of the `/v1/vault/…` routes. Keys travel as unpadded base64url; the relay
 * checks their shape and size but can never open them.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Name, Token } from '../auth/schemas.ts'

const strict = { additionalProperties: false } as const

/** A device id: 128 random bits, base64url. */
export const DeviceIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' })
/** A 65-byte uncompressed P-256 point, base64url (87 characters, starting `B` for the 0x04 prefix). */
export const PublicKeySchema = Type.String({ pattern: '^B[A-Za-z0-9_-]{86}$' })
/**
 * A wrapped vault key (an envelope: 127 bytes to a device, 62 under the recovery key). The
 * bound leaves room for a future envelope version without letting anyone store blobs.
 */
export const WrappedKeySchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,512}$' })
/**
 * A proof a device made with the vault key (a recovery wrap's tag: 32 bytes). The relay cannot
 * check it; devices do (docs/decisions.md "Vault key chain").
 */
export const TagSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,128}$' })
/**
 * A generation's chain link: base64url of the client's JSON (new key id, the generation that
 * vouches for it, recipients, the previous key sealed under the new one, tag). Up to 64
 * recipients fit.
 */
export const LinkSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{16,8192}$' })
/** A vault key generation: 1 when the vault is created, +1 per rotation. */
export const GenerationSchema = Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 })

export const DeviceParams = Type.Object({ deviceId: DeviceIdSchema }, strict)

export const RegisterDeviceBody = Type.Object(
  {
    name: Name,
    publicKey: PublicKeySchema,
    /** The caller's current refresh token, so revoking the device also ends that session. */
    refreshToken: Type.Optional(Token),
  },
  strict,
)
export const RenameDeviceBody = Type.Object({ name: Name }, strict)
/** `link` and `recoveryTag` are optional only so that older clients can still create a vault (it then starts without a chain). */
export const CreateVaultBody = Type.Object(
  {
    deviceId: DeviceIdSchema,
    wrappedKey: WrappedKeySchema,
    recoveryWrappedKey: WrappedKeySchema,
    recoveryTag: Type.Optional(TagSchema),
    link: Type.Optional(LinkSchema),
  },
  strict,
)
export const ApproveBody = Type.Object({ generation: GenerationSchema, wrappedKey: WrappedKeySchema }, strict)
export const RecoveryBody = Type.Object({ generation: GenerationSchema, recoveryWrappedKey: WrappedKeySchema, recoveryTag: TagSchema }, strict)
export const RotateBody = Type.Object(
  {
    generation: GenerationSchema,
    wrappedKeys: Type.Array(Type.Object({ deviceId: DeviceIdSchema, wrappedKey: WrappedKeySchema }, strict), { maxItems: 64 }),
    recoveryWrappedKey: WrappedKeySchema,
    recoveryTag: TagSchema,
    link: LinkSchema,
  },
  strict,
)

export const DeviceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  publicKey: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('revoked')]),
  createdAt: Type.Integer(),
  approvedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
})
export type DeviceView = Static<typeof DeviceSchema>

export const VaultStateSchema = Type.Object({ generation: Type.Union([GenerationSchema, Type.Null()]) })
export const WrappedKeyAnswer = Type.Object({ generation: GenerationSchema, wrappedKey: Type.String() })
const RecoveryEntrySchema = Type.Object({ generation: GenerationSchema, recoveryWrappedKey: Type.String(), recoveryTag: Type.Union([Type.String(), Type.Null()]) })
/** The current recovery-wrapped key, and in `earlier` those it replaced (newest first). */
export const RecoveryAnswer = Type.Object({
  generation: GenerationSchema,
  recoveryWrappedKey: Type.String(),
  recoveryTag: Type.Union([Type.String(), Type.Null()]),
  earlier: Type.Array(RecoveryEntrySchema),
})
/** Every generation's link, oldest first (none for generations made before links existed). */
export const ChainAnswer = Type.Object({
  generation: GenerationSchema,
  links: Type.Array(Type.Object({ generation: GenerationSchema, link: Type.String() })),
})
