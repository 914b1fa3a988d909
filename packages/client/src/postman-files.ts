/**
 * Files a user picked → one `PostmanBatch` (`@ferry/schema`'s postman/files.ts says what each
 * kind holds). Here are the bytes: a zip (what Postman's "Export data" sends now) is unzipped
 * with fflate, text is decoded (UTF-8, or UTF-16 when a byte order mark says so). Several
 * files are read as one import, and one file Ferry cannot read refuses them all — the user
 * fixes it and picks again, and nothing was half-imported.
 */
import { emptyBatch, mergeBatches, parsePostmanText, readPostmanArchive, readPostmanJson, type PostmanBatch, type PostmanFileError, type PostmanFileKind, type PostmanResult } from '@ferry/schema'
import { unzipSync } from 'fflate'

export interface PickedFile {
  readonly name: string
  readonly bytes: Uint8Array
}

export interface ReadFiles {
  readonly batch: PostmanBatch
  /** What each file was, in order (`zip`: an export archive). */
  readonly kinds: readonly (PostmanFileKind | 'zip')[]
}

/** More than this in one zip, unpacked, is refused (a zip bomb, or not an export). */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024
export const MAX_ZIP_ENTRIES = 20_000

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6)

/** Text of a file: UTF-16 when it starts with a UTF-16 byte order mark, else UTF-8 (null when it is not valid UTF-8). */
export function decodeText(bytes: Uint8Array): string | null {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8'
  try {
    // The decoder drops a byte order mark itself.
    return new TextDecoder(encoding, { fatal: true }).decode(bytes)
  } catch {
    return null
  }
}

function readZip(file: PickedFile): PostmanResult<PostmanBatch> {
  const where = `"${file.name}"`
  let declared = 0
  let count = 0
  let tooLarge = false
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(file.bytes, {
      filter: (entry) => {
        count += 1
        declared += entry.originalSize
        if (count > MAX_ZIP_ENTRIES || declared > MAX_UNZIPPED_BYTES) tooLarge = true
        return !tooLarge && !entry.name.endsWith('/')
      },
    })
  } catch {
    return { ok: false, error: { code: 'not_postman', message: `${where} is not a zip file Ferry can open (damaged, cut short or encrypted). Download the export from Postman again.` } }
  }
  if (tooLarge) return { ok: false, error: { code: 'too_large', message: `${where} unpacks to more than ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB or ${MAX_ZIP_ENTRIES} files: that is not a Postman export Ferry imports.` } }
  return readPostmanArchive(Object.entries(entries).map(([path, bytes]) => ({ path, text: /\.json$/i.test(path) ? decodeText(bytes) : null })), file.name)
}

function readOne(file: PickedFile): PostmanResult<{ kind: PostmanFileKind | 'zip'; batch: PostmanBatch }> {
  if (isZip(file.bytes)) {
    const batch = readZip(file)
    return batch.ok ? { ok: true, value: { kind: 'zip', batch: batch.value } } : batch
  }
  const where = `"${file.name}"`
  const text = decodeText(file.bytes)
  if (text === null) return { ok: false, error: { code: 'not_json', message: `${where} is not a text file: Ferry imports Postman collections, environments, globals and data dumps, which are JSON (or a zip of them).` } }
  const parsed = parsePostmanText(text, where)
  if (!parsed.ok) return parsed
  return readPostmanJson(parsed.value, file.name)
}

/** Reads every picked file into one batch; the first file that cannot be read refuses them all. */
export function readPostmanFiles(files: readonly PickedFile[]): PostmanResult<ReadFiles> {
  if (files.length === 0) return { ok: true, value: { batch: emptyBatch(), kinds: [] } }
  const batches: PostmanBatch[] = []
  const kinds: (PostmanFileKind | 'zip')[] = []
  for (const file of files) {
    const read = readOne(file)
    if (!read.ok) return { ok: false, error: withOthers(read.error, files.length) }
    batches.push(read.value.batch)
    kinds.push(read.value.kind)
  }
  return { ok: true, value: { batch: mergeBatches(batches), kinds } }
}

function withOthers(error: PostmanFileError, count: number): PostmanFileError {
  return count > 1 ? { ...error, message: `${error.message} Nothing was imported from the ${count} files you picked.` } : error
}
