/**
 * Avatars: uploads are sniffed, bounded, auto-oriented, cropped to 256×256 WebP with no
 * metadata left, and served with an ETag. Images are generated here with sharp.
 */
import { randomBytes } from 'node:crypto'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UserId } from '@ferry/protocol'
import { startRelay, type TestRelay } from '../helpers/relay.ts'
import { sessionToken } from '../helpers/sessions.ts'

const MAX_AVATAR_BYTES = 256 * 1024
let relay: TestRelay
let token: string
let userId: string

beforeAll(async () => {
  relay = await startRelay({ MAX_AVATAR_BYTES: String(MAX_AVATAR_BYTES), PUBLIC_URL: 'https://ferry.example.test' })
  userId = randomBytes(16).toString('base64url')
  await relay.stores.users.createUser({ id: userId as UserId, email: 'pic@example.test', name: 'Pic', emailConfirmed: true, passwordHash: null, createdAt: Date.now() })
  token = await sessionToken(relay, userId)
})
afterAll(async () => {
  await relay?.close(true)
})

/** A 400×200 JPEG, left half red and right half blue, saying "rotate 90° clockwise" in EXIF, with camera and GPS tags. */
function photoWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 400, height: 200, channels: 3, background: 'blue' } })
    .composite([{ input: { create: { width: 200, height: 200, channels: 3, background: 'red' } }, left: 0, top: 0 }])
    .jpeg()
    .withExif({
      IFD0: { Make: 'FerryCam', Copyright: 'private' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer()
}

function upload(bytes: Buffer | string, options: { field?: string; type?: string; auth?: boolean } = {}): Promise<Response> {
  const form = new FormData()
  const part = typeof bytes === 'string' ? bytes : new Uint8Array(bytes)
  form.append(options.field ?? 'image', new Blob([part], { type: options.type ?? 'image/png' }), 'upload.png')
  return fetch(`${relay.url}/v1/me/avatar`, {
    method: 'PUT',
    body: form,
    headers: options.auth === false ? {} : { authorization: `Bearer ${token}` },
  })
}

describe('PUT /v1/me/avatar', () => {
  it('stores a 256×256 WebP, turned upright, with EXIF and GPS stripped', async () => {
    const photo = await photoWithExif()
    expect((await sharp(photo).metadata()).exif).toBeDefined()
    // The MIME type the client claims is ignored: the bytes are a JPEG.
    const response = await upload(photo, { type: 'text/plain' })
    expect(response.status).toBe(200)
    const user = (await response.json()) as { avatarUrl: string }
    expect(user.avatarUrl).toMatch(new RegExp(`^https://ferry\\.example\\.test/v1/avatars/${userId}\\?v=`))

    const served = await fetch(`${relay.url}/v1/avatars/${userId}`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/webp')
    const bytes = Buffer.from(await served.arrayBuffer())
    const meta = await sharp(bytes).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 })
    expect(meta.exif).toBeUndefined()
    expect(meta.xmp).toBeUndefined()
    expect(meta.icc).toBeUndefined()
    expect(meta.orientation).toBeUndefined()
    expect(bytes.includes(Buffer.from('FerryCam'))).toBe(false)

    // Upright: the red half, on the left in the stored pixels, is on top once EXIF is applied.
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true })
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)]
    const [topR, , topB] = pixel(128, 8)
    const [bottomR, , bottomB] = pixel(128, 247)
    expect(topR).toBeGreaterThan(200)
    expect(topB).toBeLessThan(60)
    expect(bottomB).toBeGreaterThan(200)
    expect(bottomR).toBeLessThan(60)

    const me = await fetch(`${relay.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(((await me.json()) as { avatarUrl: string }).avatarUrl).toBe(user.avatarUrl)
  })

  it('serves it with an ETag and cache headers, and 304 when unchanged', async () => {
    const first = await fetch(`${relay.url}/v1/avatars/${userId}`)
    const etag = first.headers.get('etag')
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/)
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/)
    const again = await fetch(`${relay.url}/v1/avatars/${userId}`, { headers: { 'if-none-match': etag! } })
    expect(again.status).toBe(304)
    const stale = await fetch(`${relay.url}/v1/avatars/${userId}`, { headers: { 'if-none-match': '"something-else"' } })
    expect(stale.status).toBe(200)

    const png = await sharp({ create: { width: 300, height: 300, channels: 4, background: '#0f0' } }).png().toBuffer()
    expect((await upload(png)).status).toBe(200)
    const replaced = await fetch(`${relay.url}/v1/avatars/${userId}`, { headers: { 'if-none-match': etag! } })
    expect(replaced.status).toBe(200)
    expect(replaced.headers.get('etag')).not.toBe(etag)
  })

  it('answers 404 for a user without an avatar', async () => {
    const response = await fetch(`${relay.url}/v1/avatars/${randomBytes(16).toString('base64url')}`)
    expect(response.status).toBe(404)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_found')
  })

  it('rejects a file over the size limit with 413', async () => {
    const response = await upload(randomBytes(MAX_AVATAR_BYTES + 1024))
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('too_large')
  })

  it('rejects what is not an image, SVG included, with 422', async () => {
    for (const bytes of [Buffer.from('definitely not an image'), randomBytes(2000), Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')]) {
      const response = await upload(bytes, { type: 'image/png' })
      expect(response.status).toBe(422)
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not_an_image')
    }
  })

  it('rejects an image with too many pixels (a decompression bomb) with 422', async () => {
    const bomb = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: 'white' } }).png({ compressionLevel: 9 }).toBuffer()
    expect(bomb.length).toBeLessThan(MAX_AVATAR_BYTES)
    const response = await upload(bomb)
    expect(response.status).toBe(422)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('too_many_pixels')
  })

  it('needs a signed-in user, the field "image" and a multipart body', async () => {
    const png = await sharp({ create: { width: 10, height: 10, channels: 3, background: 'red' } }).png().toBuffer()
    expect((await upload(png, { auth: false })).status).toBe(401)
    const wrongField = await upload(png, { field: 'file' })
    expect(wrongField.status).toBe(400)
    const json = await fetch(`${relay.url}/v1/me/avatar`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"image": "data"}',
    })
    expect(json.status).toBe(415)
    const broken = await fetch(`${relay.url}/v1/me/avatar`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="image"; filename="a"\r\n\r\nabc',
    })
    expect(broken.status).toBeGreaterThanOrEqual(400)
    expect(broken.status).toBeLessThan(500)
  })
})
