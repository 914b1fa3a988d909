/**
 * An editable key/value table (params, headers, form fields) with an always-empty last row:
 * typing there adds a row. Rows are shown from plain data (`source.rows()`), so showing a
 * table writes nothing; a cell is bound to its row's `Y.Text` when the user first focuses it
 * (asking for a live text may write: it materializes a compact request, seeds a v1 string),
 * and from then two devices typing in the same cell merge and a remote edit keeps the local
 * caret. Unbound cells show remote edits from the plain data, refreshed on every change. Rows
 * are rebuilt only when the rows themselves change (added, removed, replaced: a bound cell's
 * row has another text); a read-only table (a newer Ferry wrote the doc) never binds.
 */
import type * as Y from 'yjs'
import { h, replaceChildren, syncValue, type Scope } from './dom.ts'
import { icon } from './icons.ts'
import { bindTextOnFocus } from './text-binding.ts'
import { variableField } from './variable-field.ts'
import type { KeyValue } from '../model/types.ts'

export type KvCell = 'key' | 'value'

export interface KvSource {
  /**
   * False when the doc may not be edited here (a newer Ferry wrote it): cells are shown
   * read-only and not bound. Asked at every render, since an update can change it.
   */
  writable(): boolean
  /** The rows as plain data: must not write (it is read at every render). */
  rows(): KeyValue[]
  /**
   * The live text of a cell, to bind its input to; asked when the user focuses the cell (it
   * may write), and again at renders for the cells bound so far, to notice replaced rows.
   */
  text(index: number, cell: KvCell): Y.Text | undefined
  /** Runs inside the transaction of each edit typed into a cell (params rewrite the URL). */
  afterCellEdit?(): void
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

const CELLS: readonly KvCell[] = ['key', 'value']

export function kvTable(scope: Scope, source: KvSource, options: KvOptions): HTMLElement {
  const body = h('tbody')
  const listId = options.keySuggestions ? `kv-suggest-${++listCounter}` : null
  const table = h('table', { class: 'kv', 'aria-label': options.label },
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, 'Enabled')), h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, h('span', { class: 'sr-only' }, 'Remove')))),
    body)

  const cellInput = (field: KvCell, index: number | null, value: string, writable: boolean) => h('input', {
    class: 'input', value, autocomplete: 'off', spellcheck: 'false', readonly: !writable,
    'aria-label': `${field === 'key' ? 'Key' : 'Value'} ${index === null ? '(new row)' : index + 1}`,
    placeholder: index === null ? (field === 'key' ? options.keyPlaceholder ?? 'Add key' : options.valuePlaceholder ?? 'Value') : '',
    list: field === 'key' && listId ? listId : null,
    'data-field': field,
  })

  /** The empty last row: typing there adds a row and moves the caret into it. */
  const ghostCell = (field: KvCell) => {
    const input = cellInput(field, null, '', true)
    input.addEventListener('input', () => {
      source.insert({ [field]: input.value, enabled: true })
      pendingFocus = { index: source.rows().length - 1, field, caret: input.value.length }
      input.value = ''
    })
    return input
  }

  let pendingFocus: { index: number; field: KvCell; caret: number } | null = null
  let rowsScope = scope.child()
  /** The texts the cells focused so far are bound to, row by row: a different text means other rows. */
  let bound: (Y.Text | undefined)[][] = []
  let renderedCount = -1
  let renderedWritable: boolean | null = null

  /** Binds cell `c` of row `i` when the user first focuses it (a doc turned read-only meanwhile stays unbound). */
  const bindOnFocus = (input: HTMLInputElement, i: number, c: number) => rowsScope.add(bindTextOnFocus(input, () => {
    if (!source.writable()) return undefined
    const text = source.text(i, CELLS[c]!)
    if (text) (bound[i] ??= [])[c] = text
    return text
  }, { afterLocalEdit: source.afterCellEdit }))

  const sameRows = (rows: KeyValue[], writable: boolean) =>
    rows.length === renderedCount && writable === renderedWritable &&
    (!writable || bound.every((texts, i) => texts.every((text, c) => text === undefined || source.text(i, CELLS[c]!) === text)))

  const render = () => {
    const rows = source.rows()
    const writable = source.writable()
    if (sameRows(rows, writable)) {
      rows.forEach((row, i) => {
        const tr = body.children[i] as HTMLTableRowElement | undefined
        if (!tr) return
        tr.classList.toggle('disabled', !row.enabled)
        const check = tr.querySelector<HTMLInputElement>('input[type=checkbox]')
        if (check) check.checked = row.enabled
        CELLS.forEach((cell, c) => {
          // Bound cells follow their texts by themselves.
          if (bound[i]?.[c]) return
          const input = tr.querySelector<HTMLInputElement>(`[data-field=${cell}]`)
          if (input) syncValue(input, row[cell])
        })
      })
      return
    }
    renderedCount = rows.length
    renderedWritable = writable
    rowsScope.dispose()
    rowsScope = scope.child()
    bound = []
    replaceChildren(body,
      rows.map((row, i) => {
        const check = h('input', { type: 'checkbox', checked: row.enabled, disabled: !writable, 'aria-label': `Enable row ${i + 1}` })
        check.addEventListener('change', () => source.update(i, { enabled: check.checked }))
        const inputs = CELLS.map((cell, c) => {
          const input = cellInput(cell, i, row[cell], writable)
          if (writable) bindOnFocus(input, i, c)
          return input
        })
        return h('tr', { class: row.enabled ? '' : 'disabled' },
          h('td', { class: 'check' }, h('span', { class: 'checkbox' }, check)),
          inputs.map((input) => h('td', {}, variableField(input))),
          h('td', { class: 'act' }, writable ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Remove row ${i + 1}`, title: 'Remove', onclick: () => source.remove(i) }, icon('trash', 15)) : null))
      }),
      writable ? h('tr', { class: 'ghost' }, h('td', { class: 'check' }), CELLS.map((cell) => h('td', {}, variableField(ghostCell(cell)))), h('td', { class: 'act' })) : null,
    )
    if (pendingFocus) {
      const target = body.children[pendingFocus.index]?.querySelector<HTMLInputElement>(`[data-field=${pendingFocus.field}]`)
      // Focusing binds the cell, which then shows its text.
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
