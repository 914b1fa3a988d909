/**
 * Bodies and answers of the `/v1/vault/…` routes. Keys travel as unpadded base64url; the relay
 * checks their shape and size (`@ferry/protocol` vault-shapes.ts, which an account backup's
 * vault record is checked against too) but can never open them.
 */
import { Type, type Static } from '@sinclair/typebox'
import { DEVICE_ID_PATTERN, LINK_PATTERN, MAX_GENERATION, PUBLIC_KEY_PATTERN, TAG_PATTERN, WRAPPED_KEY_PATTERN } from '@ferry/protocol'
import { Name, Token } from '../auth/schemas.ts'

const strict = { additionalProperties: false } as const

export const DeviceIdSchema = Type.String({ pattern: DEVICE_ID_PATTERN })
export const PublicKeySchema = Type.String({ pattern: PUBLIC_KEY_PATTERN })
export const WrappedKeySchema = Type.String({ pattern: WRAPPED_KEY_PATTERN })
export const TagSchema = Type.String({ pattern: TAG_PATTERN })
export const LinkSchema = Type.String({ pattern: LINK_PATTERN })
/** A vault key generation: 1 when the vault is created, +1 per rotation. */
export const GenerationSchema = Type.Integer({ minimum: 1, maximum: MAX_GENERATION })

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
