/**
 * Binds an `<input>` or `<textarea>` to a `Y.Text`, so two devices typing in the same field
 * merge character by character: a local edit becomes the smallest delete + insert that turns
 * the old text into the new one; a remote change rewrites the field and keeps the caret and
 * selection next to the characters they were next to.
 *
 * The selection is anchored with Yjs relative positions taken just before every transaction
 * of the doc (so before a remote change lands) and turned back into indexes after it: a
 * position survives inserts and deletes anywhere, including deletes of the characters it was
 * anchored to (it then lands where they were). Index arithmetic over the change's delta gets
 * deletes around the caret wrong, which is what this replaced.
 */
import * as Y from 'yjs'

export type TextField = HTMLInputElement | HTMLTextAreaElement

export interface BindOptions {
  /** Runs inside the transaction of each local edit (e.g. re-deriving params from the URL). */
  afterLocalEdit?: () => void
  /** The transaction origin of local edits, so a `Y.UndoManager` can track just them. */
  origin?: unknown
}

/**
 * The one changed range between two strings. `caret` (where the caret is in `after`, if the
 * change was typed) settles ambiguous cases like typing "a" into "aa": the edit ends there.
 */
export function diffRange(before: string, after: string, caret?: number): { index: number; remove: number; insert: string } {
  const max = Math.min(before.length, after.length)
  const prefix = (limit: number) => {
    let n = 0
    while (n < limit && before.charCodeAt(n) === after.charCodeAt(n)) n++
    return n
  }
  const suffix = (limit: number) => {
    let n = 0
    while (n < limit && before.charCodeAt(before.length - 1 - n) === after.charCodeAt(after.length - 1 - n)) n++
    return n
  }
  // Typed text ends at the caret: the unchanged tail is at most what follows it.
  const end = caret === undefined ? 0 : suffix(Math.min(max, Math.max(0, after.length - caret)))
  const start = prefix(max - end)
  const tail = caret === undefined ? suffix(max - start) : end
  return { index: start, remove: before.length - start - tail, insert: after.slice(start, after.length - tail) }
}

interface Anchors {
  start: Y.RelativePosition
  end: Y.RelativePosition
  direction: 'forward' | 'backward' | 'none'
}

/**
 * Anchors a selection to the text: its start to the character after it and its end to the
 * character before it, so text inserted exactly at either edge lands outside the selection;
 * a bare caret follows the character before it, so an insert right at the caret is not
 * pushed behind it.
 */
function anchor(text: Y.Text, field: TextField): Anchors | null {
  const { selectionStart: start, selectionEnd: end, selectionDirection } = field
  if (start === null || end === null) return null
  return {
    start: Y.createRelativePositionFromTypeIndex(text, start, start === end ? -1 : 0),
    end: Y.createRelativePositionFromTypeIndex(text, end, -1),
    direction: selectionDirection ?? 'none',
  }
}

function restore(text: Y.Text, field: TextField, anchors: Anchors): void {
  const doc = text.doc
  if (!doc) return
  const start = Y.createAbsolutePositionFromRelativePosition(anchors.start, doc)?.index ?? 0
  const end = Y.createAbsolutePositionFromRelativePosition(anchors.end, doc)?.index ?? start
  field.setSelectionRange(start, Math.max(start, end), anchors.direction)
}

/** Keeps `field` and `text` the same string in both directions; returns the unbind function. */
export function bindText(field: TextField, text: Y.Text, options: BindOptions = {}): () => void {
  const doc = text.doc
  if (!doc) throw new Error('bindText needs a Y.Text that is part of a document')
  let known = text.toString()
  field.value = known
  let anchors: Anchors | null = null

  const onInput = () => {
    const next = field.value
    const { index, remove, insert } = diffRange(known, next, field.selectionEnd ?? undefined)
    known = next
    if (remove === 0 && insert === '') return
    doc.transact(() => {
      if (remove > 0) text.delete(index, remove)
      if (insert) text.insert(index, insert)
      options.afterLocalEdit?.()
    }, options.origin)
  }
  // Taken before every transaction: it may be a remote one that changes this text. Only while
  // the field shows the text: a transaction started by another observer before this binding
  // caught up must not re-anchor the selection against a text the field does not show yet.
  const beforeTransaction = () => {
    if (field.value !== text.toString()) return
    anchors = document.activeElement === field ? anchor(text, field) : null
  }
  const onChange = () => {
    const now = text.toString()
    if (now === field.value) {
      known = now
      return
    }
    known = now
    field.value = now
    if (anchors && document.activeElement === field) restore(text, field, anchors)
  }
  field.addEventListener('input', onInput)
  doc.on('beforeTransaction', beforeTransaction)
  text.observe(onChange)
  return () => {
    field.removeEventListener('input', onInput)
    doc.off('beforeTransaction', beforeTransaction)
    text.unobserve(onChange)
  }
}

/**
 * Binds `field` to its text only when the user focuses it: until then the caller keeps the
 * field showing the stored value (as it does for read-only fields). Asking for the live text of
 * a field a pre-v2 Ferry wrote seeds it, and every seeded field costs the doc one more Yjs client
 * for good (see docs/decisions.md, "Merge without loss"); a field nobody edits is never seeded.
 * `text` is asked at focus, so a doc that became read-only meanwhile stays unbound.
 */
export function bindTextOnFocus(field: TextField, text: () => Y.Text | undefined, options: BindOptions = {}): () => void {
  let unbind: (() => void) | null = null
  const bind = () => {
    if (unbind) return
    const live = text()
    if (live) unbind = bindText(field, live, options)
  }
  field.addEventListener('focus', bind)
  if (document.activeElement === field) bind()
  return () => {
    field.removeEventListener('focus', bind)
    unbind?.()
  }
}
