/**
 * Pop-up menus anchored to a button: arrow keys move between items, Escape or a click outside
 * closes and returns focus to the button (the WAI-ARIA menu button pattern).
 */
import { h, type Child } from './dom.ts'

let openMenu: { el: HTMLElement; close: () => void } | null = null

/** Opens `content` under `anchor`; items are the `[role=menuitem]`/`menuitemradio` inside. */
export function openPopover(anchor: HTMLElement, content: Child, label: string, align: 'start' | 'end' = 'end'): () => void {
  openMenu?.close()
  const el = h('div', { class: 'popover', role: 'menu', 'aria-label': label }, content)
  document.body.append(el)
  const rect = anchor.getBoundingClientRect()
  el.style.top = `${Math.round(rect.bottom + 6)}px`
  if (align === 'end') el.style.right = `${Math.max(8, Math.round(window.innerWidth - rect.right))}px`
  else el.style.left = `${Math.max(8, Math.round(rect.left))}px`
  anchor.setAttribute('aria-expanded', 'true')

  const items = () => [...el.querySelectorAll<HTMLElement>('[role^=menuitem]')]
  const onKey = (event: KeyboardEvent) => {
    const list = items()
    const index = list.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'Escape') {
      close()
      anchor.focus()
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      list[(index + step + list.length) % list.length]?.focus()
    } else if (event.key === 'Tab') {
      close()
    }
  }
  const onPointer = (event: PointerEvent) => {
    if (!el.contains(event.target as Node) && !anchor.contains(event.target as Node)) close()
  }
  const close = () => {
    el.remove()
    anchor.setAttribute('aria-expanded', 'false')
    document.removeEventListener('keydown', onKey, true)
    document.removeEventListener('pointerdown', onPointer, true)
    if (openMenu?.el === el) openMenu = null
  }
  document.addEventListener('keydown', onKey, true)
  document.addEventListener('pointerdown', onPointer, true)
  el.addEventListener('click', (event) => {
    if ((event.target as HTMLElement).closest('[role^=menuitem]')) close()
  })
  openMenu = { el, close }
  items()[0]?.focus()
  return close
}

/** A menu entry; `onSelect` runs after the menu closed. */
export function menuItem(label: Child, onSelect: () => void, options: { icon?: Node; danger?: boolean; testId?: string } = {}): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      role: 'menuitem',
      tabindex: '-1',
      class: options.danger ? 'menu-item danger' : 'menu-item',
      'data-testid': options.testId,
      onclick: () => queueMicrotask(onSelect),
    },
    options.icon ?? null,
    h('span', { class: 'grow' }, label),
  )
}

/** A button that opens a menu built fresh on each click. */
export function menuButton(props: { label: string; class?: string; testId?: string }, face: Child, build: () => Child): HTMLButtonElement {
  const button: HTMLButtonElement = h(
    'button',
    {
      type: 'button',
      class: props.class ?? 'icon-btn',
      'aria-label': props.label,
      title: props.label,
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'data-testid': props.testId,
      onclick: (event: MouseEvent) => {
        event.stopPropagation()
        if (button.getAttribute('aria-expanded') === 'true') return openMenu?.close()
        openPopover(button, build(), props.label)
      },
    },
    face,
  )
  return button
}
