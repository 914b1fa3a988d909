/**
 * Whole-value writes as the smallest edit: a setter that receives a complete string (a form
 * field on blur, a paste, an import) changes only the characters that differ, so a concurrent
 * edit elsewhere in the same text survives the merge instead of being replaced wholesale.
 */
import fastDiff from 'fast-diff'
import type * as Y from 'yjs'

/** Makes `text` read `value` with the fewest inserted and deleted characters. */
export function setText(text: Y.Text, value: string): void {
  const current = text.toString()
  if (current === value) return
  const apply = (): void => {
    let at = 0
    for (const [op, chunk] of fastDiff(current, value)) {
      if (op === fastDiff.EQUAL) at += chunk.length
      else if (op === fastDiff.DELETE) text.delete(at, chunk.length)
      else {
        text.insert(at, chunk)
        at += chunk.length
      }
    }
  }
  if (text.doc) text.doc.transact(apply)
  else apply()
}
