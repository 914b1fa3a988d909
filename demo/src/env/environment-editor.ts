/**
 * Editor for one environment or the globals: variables with an enabled flag and a secret
 * flag. Secret values are masked until revealed (per row, on this screen only). The active
 * environment is chosen here and remembered on this device.
 */
import { h, replaceChildren, syncValue, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import type { Vault } from '@ferry/client'
import { bindTextOnFocus } from '../ui/text-binding.ts'
import { conflictNotices, newerSchemaNotice } from '../ui/conflict-notices.ts'
import { environmentConflicts } from '../model/environment-conflicts.ts'
import type { VariableValues } from '../model/variable-values.ts'
import { vaultNotice } from '../vault/vault-notice.ts'
import { navigate } from '../ui/router.ts'
import type { AppContext } from '../app-context.ts'
import { GLOBALS, type Variable } from '../model/types.ts'
import { activeEnvironmentId, onActiveEnvironmentChange, setActiveEnvironment } from '../model/active-environment.ts'
import { exportButton } from './postman-export.ts'
import { trashEnvironment } from '../trash/trash-actions.ts'

/** Writes at most this often per value while typing (each write re-seals it), milliseconds. */
const WRITE_DELAY_MS = 300

function variableTable(scope: Scope, values: VariableValues, scopeId: string | null): HTMLElement {
  const set = () => (scopeId === null ? values.environments.globals : values.environments.variables(scopeId))
  const observe = (cb: () => void) => values.environments.observe(cb)
  const body = h('tbody')
  const revealed = new Set<string>()
  let renderedIds: string | null = null
  let pendingFocus: { id: string; field: 'key' | 'value'; caret: number } | null = null
  /** Whether the doc may be edited here at all (false: a newer Ferry wrote it). */
  const editable = values.environments.writable()
  /** Whether values can be written: the doc is editable and this device holds the key. */
  const writable = () => editable && (values.state() === 'plain' || values.state() === 'unlocked')
  /** Why a value cell cannot be typed in, said in the cell itself. */
  const closedReason = () => (values.state() === 'no-vault' ? 'Set up the vault (above) to store values' : 'Locked on this device')
  /** Bindings of the rendered rows, dropped when the rows are rebuilt. */
  let rowsScope = scope.child()

  /** Fills a value input from the (possibly sealed) stored value. */
  const load = (input: HTMLInputElement, v: Variable) => {
    values.read(scopeId, v.id).then((opened) => {
      if (opened.state === 'value') {
        input.disabled = !writable()
        input.placeholder = ''
        syncValue(input, opened.value)
      } else {
        input.value = ''
        input.disabled = opened.state === 'locked' || !writable()
        input.placeholder = opened.state === 'locked' ? closedReason() : 'Unreadable: type a new value'
      }
    }, () => {
      input.disabled = true
      input.placeholder = 'Unreadable'
    })
  }

  const saver = (v: Variable, input: HTMLInputElement) => {
    let timer: ReturnType<typeof setTimeout> | null = null
    const flush = () => {
      if (timer === null) return
      clearTimeout(timer)
      timer = null
      values.write(scopeId, v.id, input.value).catch((error: unknown) => toast(describeError(error), 'error'))
    }
    input.addEventListener('input', () => {
      if (timer !== null) clearTimeout(timer)
      timer = setTimeout(flush, WRITE_DELAY_MS)
    })
    input.addEventListener('blur', flush)
    scope.add(flush)
  }

  const row = (v: Variable) => {
    const check = h('input', { type: 'checkbox', checked: v.enabled, disabled: !editable, 'aria-label': `Enable ${v.key || 'variable'}` })
    check.addEventListener('change', () => set()?.update(v.id, { enabled: check.checked }))
    const key = h('input', { class: 'input', value: v.key, readonly: !editable, 'aria-label': 'Variable name', spellcheck: 'false', 'data-field': 'key' })
    // Bound when focused (a v1 name is seeded only when someone edits it); asked then, since an
    // update from a newer Ferry may have arrived since the editor was built.
    if (editable) rowsScope.add(bindTextOnFocus(key, () => (values.environments.writable() ? set()?.keyText(v.id) : undefined)))
    const shown = !v.secret || revealed.has(v.id)
    const value = h('input', { class: 'input', type: shown ? 'text' : 'password', 'aria-label': `Value of ${v.key || 'variable'}`, spellcheck: 'false', autocomplete: 'off', 'data-field': 'value', 'data-testid': `var-value-${v.key}`, disabled: true })
    load(value, v)
    saver(v, value)
    const reveal = v.secret
      ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': shown ? 'Hide value' : 'Reveal value', 'aria-pressed': String(shown), title: shown ? 'Hide' : 'Reveal', 'data-testid': `reveal-${v.key}`,
          onclick: () => {
            if (revealed.has(v.id)) revealed.delete(v.id)
            else revealed.add(v.id)
            renderedIds = null
            render()
          } }, icon(shown ? 'eyeOff' : 'eye', 15))
      : null
    const secret = h('button', { type: 'button', class: 'icon-btn', disabled: !editable, 'aria-pressed': String(v.secret), 'aria-label': v.secret ? 'Secret: values are masked. Click to make it plain.' : 'Mark as secret',
      title: v.secret ? 'Secret (masked)' : 'Mark as secret', style: v.secret ? 'color:var(--accent)' : '', 'data-testid': `secret-${v.key}`,
      onclick: () => set()?.update(v.id, { secret: !v.secret }) }, icon('lock', 15))
    return h('tr', { class: v.enabled ? '' : 'disabled', 'data-var-id': v.id },
      h('td', { class: 'check' }, check), h('td', {}, key),
      h('td', {}, h('div', { class: 'secret-cell' }, value, reveal)),
      h('td', { class: 'act', style: 'width:70px;white-space:nowrap' }, secret,
        h('button', { type: 'button', class: 'icon-btn', disabled: !editable, 'aria-label': `Remove ${v.key || 'variable'}`, title: 'Remove', onclick: () => set()?.remove(v.id) }, icon('trash', 15))))
  }

  const ghost = () => {
    const cells = (['key', 'value'] as const).map((field) => {
      const input = h('input', { class: 'input', placeholder: field === 'key' ? 'Add variable' : 'Value', 'aria-label': field === 'key' ? 'New variable name' : 'New variable value', 'data-testid': `new-var-${field}` })
      input.disabled = field === 'value' && !writable()
      if (input.disabled && editable) input.placeholder = closedReason()
      input.addEventListener('input', () => {
        const text = input.value
        input.value = ''
        const id = set()?.add({ key: field === 'key' ? text : '' })
        if (!id) return
        pendingFocus = { id, field, caret: text.length }
        if (field === 'value') values.write(scopeId, id, text).catch((error: unknown) => toast(describeError(error), 'error'))
      })
      return input
    })
    return h('tr', {}, h('td', { class: 'check' }), h('td', {}, cells[0]), h('td', {}, cells[1]), h('td', { class: 'act' }))
  }

  const render = () => {
    const vars = set()?.list() ?? []
    const ids = vars.map((v) => `${v.id}:${v.secret}`).join(',')
    if (ids === renderedIds) {
      for (const v of vars) {
        const tr = body.querySelector<HTMLTableRowElement>(`tr[data-var-id="${CSS.escape(v.id)}"]`)
        if (!tr) continue
        tr.classList.toggle('disabled', !v.enabled)
        const [check, key, value] = [tr.querySelector<HTMLInputElement>('input[type=checkbox]'), tr.querySelector<HTMLInputElement>('[data-field=key]'), tr.querySelector<HTMLInputElement>('[data-field=value]')]
        if (check) check.checked = v.enabled
        // A bound name follows its text by itself (this is then a no-op).
        if (key) syncValue(key, v.key)
        if (value) load(value, v)
      }
      return
    }
    renderedIds = ids
    rowsScope.dispose()
    rowsScope = scope.child()
    body.replaceChildren(...vars.map(row), ...(editable ? [ghost()] : []))
    if (pendingFocus) {
      const target = body.querySelector<HTMLTableRowElement>(`tr[data-var-id="${CSS.escape(pendingFocus.id)}"]`)?.querySelector<HTMLInputElement>(`[data-field=${pendingFocus.field}]`)
      target?.focus()
      target?.setSelectionRange(pendingFocus.caret, pendingFocus.caret)
      pendingFocus = null
    }
  }
  render()
  scope.add(values.onChange(() => {
    renderedIds = null
    render()
  }))
  // Deferred to a microtask so an add can record where focus goes before the rows are rebuilt.
  let queued = false
  scope.add(observe(() => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      if (!scope.disposed) render()
    })
  }))
  return h('table', { class: 'kv env-table', 'aria-label': 'Variables' },
    h('thead', {}, h('tr', {}, h('th', {}, h('span', { class: 'sr-only' }, 'Enabled')), h('th', {}, 'Variable'), h('th', {}, 'Value'), h('th', {}, h('span', { class: 'sr-only' }, 'Actions')))),
    body)
}

/**
 * Values, flags and places of this scope set on two devices at once, with Keep mine / Keep
 * theirs. Every record closes through the schema view (a value's too: its ciphertexts are kept).
 */
function scopeConflicts(scope: Scope, values: VariableValues, environmentId: string | null): HTMLElement {
  return conflictNotices(scope, {
    writable: values.environments.writable(),
    list: () => environmentConflicts(values, environmentId),
    resolve: (id, keep) => void values.environments.resolveConflict(id, keep),
    observe: (changed) => values.environments.observe(changed),
  })
}

export function environmentEditor(scope: Scope, ctx: AppContext, values: VariableValues, vault: Vault | null, scopeId: string): HTMLElement {
  const environments = values.environments
  const owner = ctx.workspace.owner
  const isGlobals = scopeId === GLOBALS
  const env = isGlobals ? null : environments.get(scopeId)
  if (!isGlobals && !env) {
    return h('div', { class: 'empty', style: 'height:100%' }, icon('layers', 40), h('h2', {}, 'This environment no longer exists'), h('p', {}, 'It may have been moved to the trash or deleted on another device.'))
  }
  const observe = (cb: () => void) => environments.observe(cb)

  const editable = environments.writable()
  const title = isGlobals
    ? h('h1', {}, 'Globals')
    : (() => {
        const input = h('input', { class: 'title-input', value: env?.name ?? '', readonly: !editable, 'aria-label': 'Environment name', 'data-testid': 'env-name' })
        // Bound when focused; until then (and read-only) it follows the stored name.
        if (editable) scope.add(bindTextOnFocus(input, () => (environments.writable() ? environments.nameText(scopeId) : undefined)))
        scope.add(observe(() => syncValue(input, environments.get(scopeId)?.name ?? '')))
        return input
      })()

  const activeBox = h('div', { class: 'field-row' })
  const paintActive = () => {
    if (isGlobals) return
    const active = activeEnvironmentId(owner, environments) === scopeId
    replaceChildren(activeBox, 
      active ? h('span', { class: 'badge badge-accent', style: 'height:26px;padding:0 10px' }, icon('check', 14), 'Active environment') : null,
      h('button', { type: 'button', class: active ? 'btn btn-sm' : 'btn btn-sm btn-primary', 'data-testid': 'toggle-active-env',
        onclick: () => setActiveEnvironment(owner, active ? null : scopeId) }, active ? 'Deactivate' : 'Use this environment'),
      h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-testid': 'delete-environment', onclick: () => {
        const name = environments.get(scopeId)?.name ?? ''
        navigate([])
        void trashEnvironment(ctx.workspace, scopeId, name || 'Untitled')
      } }, icon('trash', 14), 'Delete'))
  }
  paintActive()
  scope.add(onActiveEnvironmentChange(paintActive))

  return h('div', { style: 'max-width:960px' },
    h('div', { class: 'pane-title' }, h('div', { class: 'grow' }, title), activeBox, exportButton(values, isGlobals ? null : scopeId)),
    h('p', { class: 'hint', style: 'margin-bottom:12px' }, isGlobals
      ? 'Globals apply to every request. A variable of the active environment with the same name wins. Use them as {{name}} in URLs, headers, bodies and auth.'
      : 'Use these variables as {{name}} in URLs, headers, bodies and auth while this environment is active.'),
    vault ? vaultNotice(scope, vault) : null,
    editable ? null : newerSchemaNotice(),
    scopeConflicts(scope, values, isGlobals ? null : scopeId),
    h('section', { class: 'panel' }, h('div', { class: 'panel-body' }, variableTable(scope, values, isGlobals ? null : scopeId))),
    h('p', { class: 'hint', style: 'margin-top:10px;display:flex;gap:6px;align-items:center' }, icon('lock', 14), vault
      ? 'Values are end-to-end encrypted: the relay stores them sealed. Secret values are also masked on screen.'
      : 'Values stay on this device (no account). Secret values are masked on screen.'))
}
