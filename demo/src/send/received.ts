/**
 * A response as it arrives, whichever way it was sent: head, then body bytes collected for
 * download (a Blob) while the first part is decoded as text for the response view.
 */
import type { SendResponseHead } from '@ferry/protocol'

/** Characters of a body shown in the response view; the rest is in the download. */
export const MAX_SHOWN_BODY_CHARS = 2 * 1024 * 1024

/** Content types shown as text; anything else with a type is binary (offered as a download). */
const TEXT_TYPE = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-yaml|csv|x-ndjson))|^image\/svg\+xml/i

/** What arrived before the body: the same head whichever way the request went. */
export type ReceivedHead = SendResponseHead

export class ReceivedBody {
  readonly #chunks: Uint8Array[] = []
  readonly #decoder = new TextDecoder()
  #text = ''
  #size = 0
  #looksBinary = false

  push(bytes: Uint8Array): void {
    this.#chunks.push(bytes)
    this.#size += bytes.byteLength
    if (this.#text.length < MAX_SHOWN_BODY_CHARS) {
      this.#text += this.#decoder.decode(bytes, { stream: true })
      // U+FFFD in the first part: bytes that are not UTF-8, most likely a binary body.
      if (this.#text.slice(0, 64 * 1024).includes('\uFFFD')) this.#looksBinary = true
    }
  }

  get sizeBytes(): number {
    return this.#size
  }

  /** The first MAX_SHOWN_BODY_CHARS characters. */
  get text(): string {
    return this.#text.slice(0, MAX_SHOWN_BODY_CHARS)
  }

  /** Binary by its content type, or (without one) by its bytes. */
  binary(contentType: string | null): boolean {
    return contentType ? !TEXT_TYPE.test(contentType.trim()) : this.#looksBinary
  }

  blob(contentType: string | null): Blob {
    return new Blob(this.#chunks as BlobPart[], contentType ? { type: contentType } : {})
  }
}
