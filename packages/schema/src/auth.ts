/** Validation of the `Auth` union as stored (a plain JSON map value, last writer wins). */
import type { Auth } from './model.ts'
import { isRecord, MAX_SCALAR_LENGTH } from './validate.ts'

const str = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_SCALAR_LENGTH

/** The auth settings in `v`, as a fresh object, or undefined if `v` is not valid auth. */
export function parseAuth(v: unknown): Auth | undefined {
  if (!isRecord(v)) return undefined
  switch (v.type) {
    case 'inherit':
    case 'none':
      return { type: v.type }
    case 'bearer':
      return str(v.token) ? { type: 'bearer', token: v.token } : undefined
    case 'basic':
      return str(v.username) && str(v.password) ? { type: 'basic', username: v.username, password: v.password } : undefined
    case 'apikey':
      return str(v.key) && str(v.value) && (v.in === 'header' || v.in === 'query')
        ? { type: 'apikey', key: v.key, value: v.value, in: v.in }
        : undefined
    default:
      return undefined
  }
}
