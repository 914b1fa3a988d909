/** The frame around every sign-in screen: logo, title, a lead sentence and the content. */
import { h, type Child } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'

export function brand(): HTMLElement {
  return h('span', { class: 'brand' }, h('span', { class: 'brand-mark' }, icon('send', 16)), 'Ferry')
}

export function authCard(title: string, lead: Child, ...content: Child[]): HTMLElement {
  return h(
    'main',
    { class: 'auth' },
    h('section', { class: 'auth-card', 'aria-labelledby': 'auth-title' }, brand(), h('div', { style: 'display:grid;gap:6px' },
      h('h1', { id: 'auth-title' }, title), lead ? h('p', { class: 'lead' }, lead) : null), ...content),
  )
}

export function errorBox(): HTMLElement {
  return h('div', { class: 'alert', role: 'alert', hidden: true, 'data-testid': 'auth-error' })
}
