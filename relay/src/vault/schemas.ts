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
export const CreateVaultBody = Type.Object({ deviceId: DeviceIdSchema, wrappedKey: WrappedKeySchema, recoveryWrappedKey: WrappedKeySchema }, strict)
export const ApproveBody = Type.Object({ generation: GenerationSchema, wrappedKey: WrappedKeySchema }, strict)
export const RecoveryBody = Type.Object({ generation: GenerationSchema, recoveryWrappedKey: WrappedKeySchema }, strict)
export const RotateBody = Type.Object(
  {
    generation: GenerationSchema,
    wrappedKeys: Type.Array(Type.Object({ deviceId: DeviceIdSchema, wrappedKey: WrappedKeySchema }, strict), { maxItems: 64 }),
    recoveryWrappedKey: WrappedKeySchema,
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
export const RecoveryAnswer = Type.Object({ generation: GenerationSchema, recoveryWrappedKey: Type.String() })
