/**
 * The Auth tab of a request, a folder or the collection (`id` null): inherit (not at the
 * collection), none, bearer token, basic, an API key in a header or the query, or a scheme
 * Ferry keeps but does not send (`other`: OAuth 2.0, Digest, AWS…), shown with its parameters.
 */
import { h, replaceChildren, syncValue, type Scope } from '../ui/dom.ts'
import { field } from '../ui/form.ts'
import { icon } from '../ui/icons.ts'
import { href } from '../ui/router.ts'
import type { Auth, AuthParam, AuthTextPart, AuthType, Collection, Json, OtherAuth } from '../model/types.ts'
import { bindTextOnFocus } from '../ui/text-binding.ts'
import { variableField } from '../ui/variable-field.ts'
import { authSource } from './effective.ts'
import { schemeName } from './auth-schemes.ts'
import { itemOf } from '../model/collection-reads.ts'

const TYPES: readonly { id: AuthType; label: string }[] = [
  { id: 'inherit', label: 'Inherit from parent' },
  { id: 'none', label: 'No auth' },
  { id: 'bearer', label: 'Bearer token' },
  { id: 'basic', label: 'Basic auth' },
  { id: 'apikey', label: 'API key' },
]

/** How an auth reads in a sentence ("Bearer token", "OAuth 2.0"). */
export function authLabel(auth: Auth): string {
  return auth.type === 'other' ? schemeName(auth.scheme) : (TYPES.find((t) => t.id === auth.type)?.label ?? auth.type)
}

/** The sentence said wherever a request would go out with an `other` scheme. */
export const notSentSentence = (auth: OtherAuth): string =>
  `Ferry does not send ${schemeName(auth.scheme)} auth: it keeps its settings (and exports them), but requests go out without it.`

function blank(type: Exclude<AuthType, 'other'>): Auth {
  switch (type) {
    case 'bearer':
      return { type, token: '' }
    case 'basic':
      return { type, username: '', password: '' }
    case 'apikey':
      return { type, key: '', value: '', in: 'header' }
    default:
      return { type }
  }
}

/** The text parts each type's form shows, with their labels, in order. */
const PARTS: Partial<Record<AuthType, readonly { part: AuthTextPart; label: string; secret?: boolean }[]>> = {
  bearer: [{ part: 'token', label: 'Token', secret: true }],
  basic: [{ part: 'username', label: 'Username' }, { part: 'password', label: 'Password', secret: true }],
  apikey: [{ part: 'key', label: 'Key' }, { part: 'value', label: 'Value', secret: true }],
}

const HINTS: Partial<Record<AuthType, string>> = {
  bearer: 'Sent as "Authorization: Bearer <token>". {{variables}} work here.',
}

/**
 * The auth editor of request or folder `id`, or of the collection when `id` is null.
 * `collectionId` makes the "inherit" hint a link to where the auth comes from.
 */
export function authEditor(scope: Scope, collection: Collection, collectionId: string, id: string | null): HTMLElement {
  const writable = collection.writable()
  const type = h('select', { class: 'select', style: 'max-width:260px', 'data-testid': 'auth-type', disabled: !writable })
  const fields = h('div', { style: 'display:grid;gap:12px;max-width:640px' })
  const current = (): Auth => {
    if (id === null) return collection.auth()
    const node = itemOf(collection, id)
    return node ? node.auth : { type: 'inherit' }
  }
  const set = (auth: Auth) => (id === null ? collection.setAuth(auth) : void collection.update(id, { auth }))
  type.addEventListener('change', () => {
    if (type.value !== 'other') set(blank(type.value as Exclude<AuthType, 'other'>))
  })
  const types = TYPES.filter((t) => id !== null || t.id !== 'inherit')
  let shownOptions = ''
  const paintOptions = (auth: Auth) => {
    const other = auth.type === 'other' ? [{ id: 'other', label: `${schemeName(auth.scheme)} (kept, not sent)` }] : []
    const options = [...types, ...other]
    const key = options.map((o) => `${o.id}:${o.label}`).join('|')
    if (key !== shownOptions) {
      shownOptions = key
      type.replaceChildren(...options.map((t) => h('option', { value: t.id }, t.label)))
    }
    syncValue(type, auth.type)
  }

  /** One text part: bound to its live text, or (read-only) refreshed by `update`. */
  const input = (fieldsScope: Scope, spec: { part: AuthTextPart; label: string; secret?: boolean }, value: string) => {
    const el = h('input', { class: 'input mono', value, type: spec.secret ? 'password' : 'text', readonly: !writable, autocomplete: 'off', spellcheck: 'false', 'data-auth-field': spec.part })
    // Bound when focused (seeding a v1 part only when someone edits it); asked then, since an
    // update from a newer Ferry may have arrived since the editor was built.
    if (writable) fieldsScope.add(bindTextOnFocus(el, () => (collection.writable() ? collection.authText(id, spec.part) : undefined)))
    const labelled = field(spec.label, el)
    // A password field shows dots, never references.
    if (!spec.secret) variableField(el)
    return labelled
  }

  let shown = ''
  let fieldsScope = scope.child()
  let params: ReturnType<typeof paramsTable> | null = null
  const update = () => {
    const auth = current()
    paintOptions(auth)
    const key = auth.type === 'other' ? `other:${auth.scheme}` : auth.type
    if (key === shown && auth.type !== 'inherit') {
      // Same form: bound fields follow their texts (this is then a no-op); the others are refreshed here.
      for (const el of fields.querySelectorAll<HTMLInputElement>('input[data-auth-field]')) {
        const value = (auth as Record<string, unknown>)[el.dataset.authField ?? '']
        if (typeof value === 'string') syncValue(el, value)
      }
      if (auth.type === 'other') params?.show(auth)
      return
    }
    shown = key
    params = null
    fieldsScope.dispose()
    fieldsScope = scope.child()
    switch (auth.type) {
      case 'inherit': {
        const source = authSource(collection, id ?? '')
        const folder = source.folderId === null ? undefined : itemOf(collection, source.folderId)
        const where = folder ? `the folder "${folder.name}"` : 'the collection'
        const link = h('a', { href: href(['settings', collectionId, ...(folder ? [folder.id] : [])], { tab: 'auth' }), 'data-testid': 'auth-source' }, where)
        const what = itemOf(collection, id ?? '')?.kind === 'folder' ? 'This folder' : 'This request'
        fields.replaceChildren(h('p', { class: 'hint', 'data-testid': 'auth-inherited' }, `${what} uses the auth of `, link, ` (currently: ${authLabel(source.auth)}).`))
        return
      }
      case 'none':
        fields.replaceChildren(h('p', { class: 'hint' }, 'No Authorization header is sent.'))
        return
      case 'apikey': {
        const where = h('select', { class: 'select', disabled: !writable }, h('option', { value: 'header' }, 'Header'), h('option', { value: 'query' }, 'Query parameter'))
        where.value = auth.in
        where.addEventListener('change', () => set({ ...(current() as typeof auth), in: where.value === 'query' ? 'query' : 'header' }))
        fields.replaceChildren(...textFields(auth), field('Add to', where))
        return
      }
      case 'other':
        params = paramsTable(writable, (next) => {
          const now = current()
          if (now.type === 'other') set({ ...now, params: next(now.params) })
        })
        params.show(auth)
        fields.replaceChildren(
          h('div', { class: 'alert alert-info', role: 'note', 'data-testid': 'auth-not-sent' }, icon('alert'), h('span', {}, notSentSentence(auth))),
          h('div', { class: 'field' }, h('label', {}, 'Scheme'), h('code', { 'data-testid': 'auth-scheme' }, auth.scheme)),
          params.el,
        )
        return
      default:
        fields.replaceChildren(...textFields(auth))
    }
  }
  const textFields = (auth: Auth): HTMLElement[] => {
    const values = auth as Record<string, unknown>
    const hint = HINTS[auth.type]
    return [
      ...(PARTS[auth.type] ?? []).map((spec) => input(fieldsScope, spec, typeof values[spec.part] === 'string' ? (values[spec.part] as string) : '')),
      ...(hint ? [h('p', { class: 'hint' }, hint)] : []),
    ]
  }
  update()
  scope.add(collection.observe(update))
  return h('div', { style: 'display:grid;gap:14px' }, field('Type', type), fields)
}

/** A parameter's value as typed: strings as they are, other JSON as JSON. */
const shownValue = (value: Json): string => (typeof value === 'string' ? value : JSON.stringify(value))

/** What was typed, as the value: JSON again for a parameter that held JSON, while it parses. */
function typedValue(text: string, json: boolean): Json {
  if (!json) return text
  try {
    return JSON.parse(text) as Json
  } catch {
    return text
  }
}

/**
 * The parameters of an `other` scheme as an editable key/value table; each edit writes the
 * whole list (the schema keeps it as one value). Rows are rebuilt when their number changes,
 * otherwise refreshed in place (never the field being typed in).
 */
function paramsTable(writable: boolean, write: (edit: (params: AuthParam[]) => AuthParam[]) => void) {
  const body = h('tbody')
  let count = -1
  /** Per row: whether its value was JSON (not a string) when the row was built. */
  let json: boolean[] = []
  let focus: { index: number; cell: 'key' | 'value' } | null = null
  const cell = (index: number | null, name: 'key' | 'value', value: string) => h('input', {
    class: 'input mono', value, readonly: !writable, autocomplete: 'off', spellcheck: 'false', 'data-param': name,
    'aria-label': `${name === 'key' ? 'Parameter' : 'Value of'} ${index === null ? '(new)' : index + 1}`,
    placeholder: index === null && name === 'key' ? 'Add parameter' : '',
  })
  const show = (auth: OtherAuth) => {
    const list = auth.params
    if (list.length === count) {
      list.forEach((p, i) => {
        const tr = body.children[i]
        const [key, value] = [...(tr?.querySelectorAll<HTMLInputElement>('input[data-param]') ?? [])]
        if (key) syncValue(key, p.key)
        if (value) syncValue(value, shownValue(p.value))
      })
      return
    }
    const active = document.activeElement as HTMLElement | null
    const was = active && body.contains(active) ? { index: Number(active.closest('tr')?.dataset.index ?? -1), cell: active.dataset.param as 'key' | 'value' } : null
    count = list.length
    json = list.map((p) => typeof p.value !== 'string')
    replaceChildren(body,
      list.map((p, i) => {
        const key = cell(i, 'key', p.key)
        const value = cell(i, 'value', shownValue(p.value))
        key.addEventListener('input', () => write((ps) => ps.map((q, j) => (j === i ? { ...q, key: key.value } : q))))
        value.addEventListener('input', () => write((ps) => ps.map((q, j) => (j === i ? { ...q, value: typedValue(value.value, json[i] ?? false) } : q))))
        return h('tr', { 'data-index': String(i) },
          h('td', {}, key), h('td', {}, value),
          h('td', { class: 'act' }, writable ? h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Remove parameter ${i + 1}`, title: 'Remove', onclick: () => write((ps) => ps.filter((_, j) => j !== i)) }, icon('trash', 15)) : null))
      }),
      writable ? h('tr', { class: 'ghost' }, h('td', {}, (() => {
        const ghost = cell(null, 'key', '')
        ghost.addEventListener('input', () => {
          const typed = ghost.value
          focus = { index: count, cell: 'key' }
          ghost.value = ''
          write((ps) => [...ps, { key: typed, value: '', type: 'string' }])
        })
        return ghost
      })()), h('td'), h('td', { class: 'act' })) : null,
    )
    const target = focus ?? (was && was.index >= 0 ? was : null)
    focus = null
    if (target) {
      const el = body.children[target.index]?.querySelector<HTMLInputElement>(`input[data-param=${target.cell}]`)
      el?.focus()
      el?.setSelectionRange(el.value.length, el.value.length)
    }
  }
  const el = h('table', { class: 'kv', 'aria-label': 'Scheme parameters', 'data-testid': 'auth-params' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), h('th', {}, 'Value'), h('th', {}, h('span', { class: 'sr-only' }, 'Remove')))), body)
  return { el, show }
}
