/** Bodies and answers of the `/v1/links` routes. Times are ms since the epoch. */
import { Type, type Static } from '@sinclair/typebox'
import { MAX_DOC_NAME_LENGTH } from '@ferry/protocol'

const strict = { additionalProperties: false } as const

/** Largest `maxUses` a link may have; a bound so the number stays exact everywhere. */
export const MAX_LINK_USES = 1_000_000

/** A link id: 128 random bits, base64url. */
export const LinkIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' })

export const CreateLinkBody = Type.Object(
  {
    docName: Type.String({ minLength: 1, maxLength: MAX_DOC_NAME_LENGTH }),
    /** When the link stops working, ms since the epoch; must be in the future. Absent: never. */
    expiresAt: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
    /** How many opens the link allows. Absent: unlimited. */
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LINK_USES })),
  },
  strict,
)

export const CreatedLink = Type.Object({
  id: Type.String(),
  /** The link secret, shown once; the relay keeps only its hash. */
  token: Type.String(),
  /** `<PUBLIC_URL>/#/shared?token=…`: what the owner hands out. */
  url: Type.String(),
})

const nullableTime = Type.Union([Type.Integer(), Type.Null()])

export const LinkView = Type.Object({
  id: Type.String(),
  docName: Type.String(),
  createdAt: Type.Integer(),
  expiresAt: nullableTime,
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer(),
  revokedAt: nullableTime,
  /** `active`, or why the link no longer opens. */
  state: Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired'), Type.Literal('used_up')]),
})
export type LinkView = Static<typeof LinkView>

export const LinkList = Type.Object({ links: Type.Array(LinkView) })

export const LinkParams = Type.Object({ id: LinkIdSchema }, strict)
/** Any string up to a bound: a malformed token is just an unknown one (404). */
export const TokenParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, strict)

export const ResolvedLink = Type.Object({
  docName: Type.String(),
  collectionName: Type.String(),
  ownerName: Type.Union([Type.String(), Type.Null()]),
  /**
   * The link token plus a pass proving this open was counted: sockets opened with it are not
   * counted again (reconnects are free). Sockets opened with the bare link token count a use.
   */
  viewerToken: Type.String(),
})
