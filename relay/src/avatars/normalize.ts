/**
 * Turns an uploaded image into the stored avatar: format sniffed from the bytes (the client's
 * MIME type is ignored), at most `MAX_INPUT_PIXELS` decoded (a decompression bomb fails fast),
 * auto-oriented from EXIF, cropped to 256×256, encoded as WebP with every piece of metadata
 * (EXIF, GPS, ICC, XMP) dropped — sharp writes none unless asked to.
 */
import { createHash } from 'node:crypto'
import sharp from 'sharp'
import { err, ok, type Result } from '@ferry/protocol'
import type { Avatar } from '../storage/accounts/avatars.ts'

/** Side of the square avatar, pixels. */
export const AVATAR_SIZE = 256
/** Largest input accepted, in pixels (width × height); sharp's default is ~268 M. */
export const MAX_INPUT_PIXELS = 4096 * 4096
/** Input formats accepted, as sharp names them. SVG is not: it is a document, not a picture. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff'])

export type AvatarRejection = 'not_an_image' | 'too_many_pixels'

export async function normalizeAvatar(input: Buffer): Promise<Result<Avatar, AvatarRejection>> {
  let header
  try {
    // Reads the header only; the pixel count is checked before anything is decoded.
    header = await sharp(input, { limitInputPixels: false }).metadata()
  } catch {
    return err('not_an_image')
  }
  if (header.format === undefined || !ACCEPTED_FORMATS.has(header.format)) return err('not_an_image')
  if ((header.width ?? 0) * (header.height ?? 0) > MAX_INPUT_PIXELS) return err('too_many_pixels')
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' as const }
  try {
    const bytes = await sharp(input, options)
      .rotate()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
      .webp({ quality: 82 })
      .toBuffer()
    const etag = createHash('sha256').update(bytes).digest('base64url').slice(0, 22)
    return ok({ bytes: new Uint8Array(bytes), etag })
  } catch (error) {
    return err(/pixel limit/i.test((error as Error).message) ? 'too_many_pixels' : 'not_an_image')
  }
}
