/**
 * The links the relay sends the browser to (mails, the OIDC callback) carry their secret in
 * the URL fragment, which never reaches a server log: `#/confirm?token=…`, `#/reset?token=…`,
 * `#/oidc?code=…` or `#/oidc?error=…`. This reads one of them; anything else is null.
 */

export type AuthLink =
  | { readonly kind: 'confirm'; readonly token: string }
  | { readonly kind: 'reset'; readonly token: string }
  | { readonly kind: 'oidc'; readonly code: string }
  | { readonly kind: 'oidc-error'; readonly error: string }

/** Longest token, code or error code accepted from a fragment, characters. */
const MAX_VALUE_LENGTH = 512

/** Parses `location.hash` (with or without the leading `#`). */
export function parseAuthLink(hash: string): AuthLink | null {
  const match = /^#?\/(confirm|reset|oidc)\?(.*)$/.exec(hash)
  if (!match) return null
  const params = new URLSearchParams(match[2])
  const value = (key: string): string | null => {
    const v = params.get(key)
    return v !== null && v.length > 0 && v.length <= MAX_VALUE_LENGTH ? v : null
  }
  switch (match[1]) {
    case 'confirm':
    case 'reset': {
      const token = value('token')
      return token === null ? null : { kind: match[1], token }
    }
    default: {
      const code = value('code')
      if (code !== null) return { kind: 'oidc', code }
      const error = value('error')
      return error === null ? null : { kind: 'oidc-error', error }
    }
  }
}
