/**
 * Binds a `<textarea>` to a `Y.Text` so two devices typing in the same body merge character
 * by character: a local edit becomes the smallest delete+insert that turns the old text into
 * the new one; a remote change rewrites the textarea and keeps the caret where it was
 * relative to the surrounding text.
 */
import type * as Y from 'yjs'

/** The one changed range between two strings (common prefix and suffix excluded). */
export function diffRange(before: string, after: string): { index: number; remove: number; insert: string } {
  let start = 0
  const max = Math.min(before.length, after.length)
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++
  let end = 0
  while (end < max - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++
  return { index: start, remove: before.length - start - end, insert: after.slice(start, after.length - end) }
}

type Delta = { insert?: unknown; delete?: number; retain?: number }[]

/** Where `position` ends up after `delta` is applied. */
function shift(position: number, delta: Delta): number {
  let at = 0
  let result = position
  for (const op of delta) {
    if (at > position) break
    if (op.retain) at += op.retain
    else if (typeof op.insert === 'string') {
      if (at <= position) result += op.insert.length
      at += op.insert.length
    } else if (op.delete) {
      if (at < position) result -= Math.min(op.delete, position - at)
    }
  }
  return Math.max(0, result)
}

export function bindText(textarea: HTMLTextAreaElement, text: Y.Text): () => void {
  let known = text.toString()
  textarea.value = known
  const origin = { binding: textarea }
  const onInput = () => {
    const next = textarea.value
    const { index, remove, insert } = diffRange(known, next)
    known = next
    if (remove === 0 && insert === '') return
    text.doc?.transact(() => {
      if (remove > 0) text.delete(index, remove)
      if (insert) text.insert(index, insert)
    }, origin)
  }
  const onChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.origin === origin) return
    const delta = event.delta as Delta
    const { selectionStart, selectionEnd } = textarea
    const focused = document.activeElement === textarea
    known = text.toString()
    textarea.value = known
    if (focused) textarea.setSelectionRange(shift(selectionStart, delta), shift(selectionEnd, delta))
  }
  textarea.addEventListener('input', onInput)
  text.observe(onChange)
  return () => {
    textarea.removeEventListener('input', onInput)
    text.unobserve(onChange)
  }
}
