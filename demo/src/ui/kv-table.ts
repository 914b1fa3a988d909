/**
 * An editable key/value table (params, headers, form fields) with an always-empty last row:
 * typing there adds a row. Rows are updated in place when the data changes, so a remote edit
 * never steals focus or moves the caret of the cell being typed in.
 */
import { h, syncValue, type Scope } from './dom.ts'
import { icon } from './icons.ts'
import type { KeyValue } from '../model/types.ts'

export interface KvSource {
  rows(): KeyValue[]
  update(index: number, patch: Partial<KeyValue>): void
  insert(row: Partial<KeyValue>): void
  remove(index: number): void
  observe(listener: () => void): () => void
}

export interface KvOptions {
  readonly label: string
  readonly keyPlaceholder?: string
  readonly valuePlaceholder?: string
  /** Suggestions offered for keys (header names). */
  readonly keySuggestions?: readonly string[]
}

let listCounter = 0

export function kvTable(scope: Scope, source: KvSource, options: KvOptions): HTMLElement {
  const body = h('tbody')
  const listId = options.keySuggestions ? `kv-suggest-${++listCounter}` : null
  const table = h('table', { class: 'kv', 'aria-label': options.label },
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, 'Enabled')), h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, h('span', { class: 'sr-only' }, 'Remove')))),
    body)

  const cell = (field: 'key' | 'value', index: number | null, value: string) => {
    const input = h('input', {
      class: 'input', value, autocomplete: 'off', spellcheck: 'false',
      'aria-label': `${field === 'key' ? 'Key' : 'Value'} ${index === null ? '(new row)' : index + 1}`,
      placeholder: index === null ? (field === 'key' ? options.keyPlaceholder ?? 'Add key' : options.valuePlaceholder ?? 'Value') : '',
      list: field === 'key' && listId ? listId : null,
      'data-field': field,
    })
    input.addEventListener('input', () => {
      if (index === null) {
        source.insert({ [field]: input.value, enabled: true })
        pendingFocus = { index: source.rows().length - 1, field, caret: input.value.length }
        input.value = ''
      } else {
        source.update(index, { [field]: input.value })
      }
    })
    return input
  }

  let pendingFocus: { index: number; field: 'key' | 'value'; caret: number } | null = null
  let renderedCount = -1

  const render = () => {
    const rows = source.rows()
    if (rows.length === renderedCount) {
      // Same shape: update values in place.
      rows.forEach((row, i) => {
        const tr = body.children[i] as HTMLTableRowElement | undefined
        if (!tr) return
        tr.classList.toggle('disabled', !row.enabled)
        const [check, key, value] = [tr.querySelector<HTMLInputElement>('input[type=checkbox]'), tr.querySelector<HTMLInputElement>('[data-field=key]'), tr.querySelector<HTMLInputElement>('[data-field=value]')]
        if (check) check.checked = row.enabled
        if (key) syncValue(key, row.key)
        if (value) syncValue(value, row.value)
      })
      return
    }
    renderedCount = rows.length
    body.replaceChildren(
      ...rows.map((row, i) => {
        const check = h('input', { type: 'checkbox', checked: row.enabled, 'aria-label': `Enable row ${i + 1}` })
        check.addEventListener('change', () => source.update(i, { enabled: check.checked }))
        return h('tr', { class: row.enabled ? '' : 'disabled' },
          h('td', { class: 'check' }, h('span', { class: 'checkbox' }, check)),
          h('td', {}, cell('key', i, row.key)),
          h('td', {}, cell('value', i, row.value)),
          h('td', { class: 'act' }, h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Remove row ${i + 1}`, title: 'Remove', onclick: () => source.remove(i) }, icon('trash', 15))))
      }),
      h('tr', { class: 'ghost' }, h('td', { class: 'check' }), h('td', {}, cell('key', null, '')), h('td', {}, cell('value', null, '')), h('td', { class: 'act' })),
    )
    if (pendingFocus) {
      const target = body.children[pendingFocus.index]?.querySelector<HTMLInputElement>(`[data-field=${pendingFocus.field}]`)
      target?.focus()
      target?.setSelectionRange(pendingFocus.caret, pendingFocus.caret)
      pendingFocus = null
    }
  }
  render()
  // Deferred to a microtask so an insert can record where focus goes before the rows are rebuilt.
  let queued = false
  scope.add(source.observe(() => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      if (!scope.disposed) render()
    })
  }))
  return h('div', {}, table, listId ? h('datalist', { id: listId }, (options.keySuggestions ?? []).map((s) => h('option', { value: s }))) : null)
}
