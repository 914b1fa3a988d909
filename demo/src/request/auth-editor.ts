/** The Auth tab: inherit, none, bearer token, basic, or an API key in a header or the query. */
import { h, syncValue, type Scope } from '../ui/dom.ts'
import { field } from '../ui/form.ts'
import type { Auth, AuthType, Collection } from '../model/types.ts'
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

export function authEditor(scope: Scope, collection: Collection, requestId: string): HTMLElement {
  const type = h('select', { class: 'select', style: 'max-width:260px', 'data-testid': 'auth-type' }, TYPES.map((t) => h('option', { value: t.id }, t.label)))
  const fields = h('div', { style: 'display:grid;gap:12px;max-width:520px' })
  const current = (): Auth => {
    const node = collection.get(requestId)
    return node?.kind === 'request' ? node.auth : { type: 'inherit' }
  }
  const set = (auth: Auth) => collection.update(requestId, { auth })
  type.addEventListener('change', () => set(blank(type.value as AuthType)))

  const input = (label: string, value: string, onInput: (v: string) => void, secret = false) => {
    const el = h('input', { class: 'input mono', value, type: secret ? 'password' : 'text', autocomplete: 'off', spellcheck: 'false', 'data-auth-field': label })
    el.addEventListener('input', () => onInput(el.value))
    return field(label, el)
  }

  let shownType: AuthType | null = null
  const update = () => {
    const auth = current()
    syncValue(type, auth.type)
    if (auth.type === shownType) {
      // Same form: refresh values in place (never under the user's caret).
      for (const el of fields.querySelectorAll<HTMLInputElement>('input[data-auth-field]')) {
        const key = el.dataset.authField
        const value = key === 'Token' && auth.type === 'bearer' ? auth.token
          : key === 'Username' && auth.type === 'basic' ? auth.username
          : key === 'Password' && auth.type === 'basic' ? auth.password
          : key === 'Key' && auth.type === 'apikey' ? auth.key
          : key === 'Value' && auth.type === 'apikey' ? auth.value : null
        if (value !== null) syncValue(el, value)
      }
      if (auth.type !== 'inherit') return
    }
    shownType = auth.type
    switch (auth.type) {
      case 'inherit': {
        const inherited = effectiveAuth(collection, requestId)
        fields.replaceChildren(h('p', { class: 'hint' }, `This request uses the auth of its folder or collection (currently: ${TYPES.find((t) => t.id === inherited.type)?.label ?? inherited.type}).`))
        return
      }
      case 'none':
        fields.replaceChildren(h('p', { class: 'hint' }, 'No Authorization header is sent.'))
        return
      case 'bearer':
        fields.replaceChildren(input('Token', auth.token, (token) => set({ type: 'bearer', token }), true), h('p', { class: 'hint' }, 'Sent as "Authorization: Bearer <token>". {{variables}} work here.'))
        return
      case 'basic':
        fields.replaceChildren(
          input('Username', auth.username, (username) => set({ ...(current() as typeof auth), username })),
          input('Password', auth.password, (password) => set({ ...(current() as typeof auth), password }), true))
        return
      case 'apikey': {
        const where = h('select', { class: 'select' }, h('option', { value: 'header' }, 'Header'), h('option', { value: 'query' }, 'Query parameter'))
        where.value = auth.in
        where.addEventListener('change', () => set({ ...(current() as typeof auth), in: where.value === 'query' ? 'query' : 'header' }))
        fields.replaceChildren(
          input('Key', auth.key, (key) => set({ ...(current() as typeof auth), key })),
          input('Value', auth.value, (value) => set({ ...(current() as typeof auth), value }), true),
          field('Add to', where))
        return
      }
    }
  }
  update()
  scope.add(collection.observe(update))
  return h('div', { style: 'display:grid;gap:14px' }, field('Type', type), fields)
}
