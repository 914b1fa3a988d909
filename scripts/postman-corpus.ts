/**
 * Materialises the Postman round-trip corpus (issue 13) into .cache/postman-corpus/ and lists
 * it: npx tsx scripts/postman-corpus.ts [--kind collection|environment|schema] [--dir <cache dir>]
 * See test/helpers/postman-corpus.ts for what it downloads and how each file is checked.
 */
import { relative } from 'node:path'
import { CORPUS_CACHE, REPO_ROOT, materialiseCorpus, type CorpusKind } from '../test/helpers/postman-corpus.ts'

const args = process.argv.slice(2)
const kind = args.includes('--kind') ? (args[args.indexOf('--kind') + 1] as CorpusKind) : undefined
const dir = args.includes('--dir') ? args[args.indexOf('--dir') + 1] : undefined
const started = performance.now()
try {
  const entries = await materialiseCorpus({ dir, kinds: kind ? [kind] : undefined, log: (line) => console.log(line) })
  for (const e of entries) console.log(`${e.kind.padEnd(11)} ${e.name.padEnd(38)} ${relative(REPO_ROOT, e.file)}`)
  console.log(`${entries.length} files verified in ${relative(REPO_ROOT, dir ?? CORPUS_CACHE) || '.'}/ (${Math.round(performance.now() - started)} ms)`)
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
