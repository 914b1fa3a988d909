/** The Auth tab: inherit, none, bearer token, basic, or an API key in a header or the query. */
import { h, syncValue, type Scope } from '../ui/dom.ts'
import { field } from '../ui/form.ts'
import type { Auth, AuthTextPart, AuthType, Collection } from '../model/types.ts'
import { bindTextOnFocus } from '../ui/text-binding.ts'
import { effectiveAuth } from './effective.ts'

const TYPES: readonly { id: AuthType; label: string }[] = [
  { id: 'inherit', label: 'Inherit from parent' },
  { id: 'none', label: 'No auth' },
  { id: 'bearer', label: 'Bearer token' },
  { id: 'basic', label: 'Basic auth' },
  { id: 'apikey', label: 'API key' },
]

function blank(type: AuthType): Auth {
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

export function authEditor(scope: Scope, collection: Collection, requestId: string): HTMLElement {
  const writable = collection.writable()
  const type = h('select', { class: 'select', style: 'max-width:260px', 'data-testid': 'auth-type', disabled: !writable }, TYPES.map((t) => h('option', { value: t.id }, t.label)))
  const fields = h('div', { style: 'display:grid;gap:12px;max-width:520px' })
  const current = (): Auth => {
    const node = collection.get(requestId)
    return node?.kind === 'request' ? node.auth : { type: 'inherit' }
  }
  const set = (auth: Auth) => collection.update(requestId, { auth })
  type.addEventListener('change', () => set(blank(type.value as AuthType)))

  /** One text part: bound to its live text, or (read-only) refreshed by `update`. */
  const input = (fieldsScope: Scope, spec: { part: AuthTextPart; label: string; secret?: boolean }, value: string) => {
    const el = h('input', { class: 'input mono', value, type: spec.secret ? 'password' : 'text', readonly: !writable, autocomplete: 'off', spellcheck: 'false', 'data-auth-field': spec.part })
    // Bound when focused (seeding a v1 part only when someone edits it); asked then, since an
    // update from a newer Ferry may have arrived since the editor was built.
    if (writable) fieldsScope.add(bindTextOnFocus(el, () => (collection.writable() ? collection.authText(requestId, spec.part) : undefined)))
    return field(spec.label, el)
  }

  let shownType: AuthType | null = null
  let fieldsScope = scope.child()
  const update = () => {
    const auth = current()
    syncValue(type, auth.type)
    if (auth.type === shownType) {
      // Same form: bound fields follow their texts (this is then a no-op); the others are refreshed here.
      for (const el of fields.querySelectorAll<HTMLInputElement>('input[data-auth-field]')) {
        const value = (auth as Record<string, unknown>)[el.dataset.authField ?? '']
        if (typeof value === 'string') syncValue(el, value)
      }
      if (auth.type !== 'inherit') return
    }
    shownType = auth.type
    fieldsScope.dispose()
    fieldsScope = scope.child()
    switch (auth.type) {
      case 'inherit': {
        const inherited = effectiveAuth(collection, requestId)
        fields.replaceChildren(h('p', { class: 'hint' }, `This request uses the auth of its folder or collection (currently: ${TYPES.find((t) => t.id === inherited.type)?.label ?? inherited.type}).`))
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
