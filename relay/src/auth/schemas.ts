/** Request bodies of the auth routes. Unknown fields are rejected; every limit is in characters. */
import { Type } from '@sinclair/typebox'
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '@ferry/protocol'

/** Longest token accepted in a body; real ones are 43 characters. */
const MAX_TOKEN_LENGTH = 200

const strict = { additionalProperties: false } as const

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: MAX_EMAIL_LENGTH })
export const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH })
/** A display name: non-blank, one line. */
export const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH, pattern: '^[^\\u0000-\\u001f\\u007f]*\\S[^\\u0000-\\u001f\\u007f]*$' })
export const Token = Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH })

export const SignupBody = Type.Object({ email: Email, password: Password, name: Type.Optional(Name) }, strict)
/** Login takes any password length: a policy change must never lock out existing passwords. */
export const LoginBody = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }) }, strict)
export const TokenBody = Type.Object({ token: Token }, strict)
export const RefreshBody = Type.Object({ refreshToken: Token }, strict)
export const RecoverBody = Type.Object({ email: Email }, strict)
export const ResetBody = Type.Object({ token: Token, password: Password }, strict)
export const CodeBody = Type.Object({ code: Token }, strict)
