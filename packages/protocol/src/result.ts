/**
 * The outcome of decoding or validating untrusted input: a value, or a typed error. Decoders
 * return this instead of throwing, so malformed bytes never escape their boundary as an
 * exception.
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }

export const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value })
export const err = <E>(error: E): { readonly ok: false; readonly error: E } => ({ ok: false, error })
