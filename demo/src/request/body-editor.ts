/**
 * The Body tab: mode (none, raw with a language, urlencoded, form-data), the text or the rows.
 * Shown from plain data; the raw text's editor binds to the body's live text when the user
 * first focuses it, so opening a request writes nothing (see request-sources.ts).
 */
import { h, syncValue, type Scope } from '../ui/dom.ts'
import { kvTable } from '../ui/kv-table.ts'
import { codeEditorBoundOnEdit } from '../ui/code-editor.ts'
import type { BodyMode, Collection, RawLanguage } from '../model/types.ts'
import { listSource } from './request-sources.ts'
import { bodyLanguage } from './body-languages.ts'
import { itemOf } from '../model/collection-reads.ts'

const MODES: readonly { id: BodyMode; label: string }[] = [
  { id: 'none', label: 'None' },
  { id: 'raw', label: 'Raw' },
  { id: 'urlencoded', label: 'URL-encoded' },
  { id: 'formdata', label: 'Form data' },
]
const LANGUAGES: readonly { id: RawLanguage; label: string }[] = [
  { id: 'json', label: 'JSON' },
  { id: 'text', label: 'Text' },
  { id: 'xml', label: 'XML' },
  { id: 'html', label: 'HTML' },
  { id: 'javascript', label: 'JavaScript' },
  { id: 'graphql', label: 'GraphQL' },
]

export function bodyEditor(scope: Scope, collection: Collection, requestId: string): HTMLElement {
  const writable = collection.writable()
  const name = `body-mode-${requestId}`
  const radios = MODES.map((m) => h('input', { type: 'radio', name, value: m.id, disabled: !writable }))
  const language = h('select', { class: 'select', style: 'width:auto;height:30px', 'aria-label': 'Body language', disabled: !writable }, LANGUAGES.map((l) => h('option', { value: l.id }, l.label)))
  const stored = () => {
    const node = itemOf(collection, requestId)
    return node?.kind === 'request' ? node.body : undefined
  }
  let shownLanguage: RawLanguage = stored()?.language ?? 'text'
  const editor = codeEditorBoundOnEdit(scope, {
    label: 'Request body', testId: 'body-text', placeholder: '{ "hello": "world" }',
    language: bodyLanguage(shownLanguage), readOnly: !writable,
    stored: () => stored()?.raw ?? '',
    live: () => (collection.writable() ? collection.text(requestId, 'body') : undefined),
    observe: (listener) => collection.observe(listener),
  })
  const rawBox = h('div', { class: 'body-raw' }, editor.el)
  const formBox = h('div', {}, kvTable(scope, listSource(collection, requestId, 'bodyFields'), { label: 'Form fields', keyPlaceholder: 'Field' }))
  const none = h('p', { class: 'hint' }, 'This request has no body.')

  for (const radio of radios) radio.addEventListener('change', () => radio.checked && collection.update(requestId, { bodyMode: radio.value as BodyMode }))
  language.addEventListener('change', () => collection.update(requestId, { bodyLanguage: language.value as RawLanguage }))

  const update = () => {
    const node = itemOf(collection, requestId)
    if (node?.kind !== 'request') return
    for (const radio of radios) radio.checked = radio.value === node.body.mode
    syncValue(language, node.body.language)
    if (node.body.language !== shownLanguage) {
      shownLanguage = node.body.language
      editor.setLanguage(bodyLanguage(shownLanguage))
    }
    language.hidden = node.body.mode !== 'raw'
    rawBox.hidden = node.body.mode !== 'raw'
    formBox.hidden = node.body.mode !== 'urlencoded' && node.body.mode !== 'formdata'
    none.hidden = node.body.mode !== 'none'
  }
  update()
  scope.add(collection.observe(update))
  return h('div', {},
    h('div', { class: 'field-row', style: 'justify-content:space-between;flex-wrap:wrap' },
      h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Body type' }, MODES.map((m, i) => h('label', {}, radios[i], m.label))),
      language),
    none, rawBox, formBox)
}
