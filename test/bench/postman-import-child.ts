/**
 * One measured import for postman-import.bench.ts, in a process of its own so that its peak
 * RSS is the import's: `node --import tsx postman-import-child.ts <file> import|parse`.
 * Prints one JSON line: wall time of JSON.parse (+ importPostman into a fresh Collection),
 * the process's peak RSS, and its RSS before the file was read (Node, tsx and the modules).
 */
import { readFileSync } from 'node:fs'
import * as Y from 'yjs'
import { Collection, importPostman, type TreeNode } from '@ferry/schema'

const [file, mode] = process.argv.slice(2)
if (!file || (mode !== 'import' && mode !== 'parse')) throw new Error('usage: postman-import-child.ts <file> import|parse')

const MB = 1024 * 1024
const baselineRss = process.memoryUsage().rss
const text = readFileSync(file, 'utf8')
const start = performance.now()
const json: unknown = JSON.parse(text)
let collection: Collection | undefined
if (mode === 'import') {
  collection = new Collection(new Y.Doc())
  const result = importPostman(collection, json)
  if (!result.ok) throw new Error(`import refused: ${result.error.message}`)
}
const ms = performance.now() - start
// maxRSS is in KiB on Linux; read it before the check below allocates anything.
const peakRss = process.resourceUsage().maxRSS * 1024

let requests = 0
if (collection) {
  const stack: TreeNode[] = [...collection.tree()]
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.kind === 'request') requests++
    else stack.push(...node.children)
  }
}
console.log(JSON.stringify({ mode, ms, peakRssMB: peakRss / MB, baselineRssMB: baselineRss / MB, fileMB: Buffer.byteLength(text) / MB, requests }))
