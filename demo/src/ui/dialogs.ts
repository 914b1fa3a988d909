/**
 * Modal dialogs on the native `<dialog>` element (focus trapping, Escape and the backdrop come
 * from the browser) and toasts announced through a live region.
 */
import { h, type Child } from './dom.ts'

/**
 * Opens a modal built by `build(close)`; resolves with what `close` was called with (undefined
 * on Escape or a click beside it, unless `dismissible` is false: then only `close` ends it).
 */
export function openDialog<T>(title: string, build: (close: (value: T | undefined) => void) => Child, { dismissible = true } = {}): Promise<T | undefined> {
  return new Promise((resolve) => {
    const heading = h('h2', { id: `dlg-${Date.now()}` }, title)
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': heading.id })
    let settled = false
    const close = (value: T | undefined) => {
      if (settled) return
      settled = true
      dialog.close()
      dialog.remove()
      resolve(value)
    }
    const body = build(close)
    dialog.append(...(body instanceof HTMLFormElement ? [body] : [h('div', { class: 'dialog-inner' }, heading, body)]))
    if (body instanceof HTMLFormElement) body.prepend(heading)
    dialog.addEventListener('cancel', (event) => {
      if (dismissible) close(undefined)
      else event.preventDefault()
    })
    // Chromium closes a modal on a second Escape without user activation in between even when
    // its cancel is refused; refusing the keydown itself stops the close request.
    dialog.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !dismissible) event.preventDefault()
    })
    // Should a browser still close it, it opens again.
    dialog.addEventListener('close', () => {
      if (!settled && !dismissible) dialog.showModal()
    })
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog && dismissible) close(undefined)
    })
    document.body.append(dialog)
    dialog.showModal()
  })
}

/** Asks for one line of text; resolves with the trimmed value, or null when cancelled or empty. */
export async function promptText(title: string, label: string, initial = '', submitLabel = 'Save'): Promise<string | null> {
  const value = await openDialog<string>(title, (close) => {
    const input = h('input', { class: 'input', id: 'prompt-input', value: initial, required: true, autocomplete: 'off' })
    queueMicrotask(() => input.select())
    return h(
      'form',
      { method: 'dialog', onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(input.value.trim())) },
      h('div', { class: 'field' }, h('label', { for: 'prompt-input' }, label), input),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary' }, submitLabel),
      ),
    )
  })
  return value ? value : null
}

/** Asks a yes/no question; `danger` styles the confirm button as destructive. */
export async function confirmAction(title: string, message: string, confirmLabel: string, danger = true): Promise<boolean> {
  const answer = await openDialog<boolean>(title, (close) =>
    h(
      'form',
      { method: 'dialog', onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(true)) },
      h('p', { class: 'hint', style: 'font-size:14px;color:var(--text-2)' }, message),
      h(
        'div',
        { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(false) }, 'Cancel'),
        h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', autofocus: true }, confirmLabel),
      ),
    ),
  )
  return answer === true
}

let toastHost: HTMLElement | null = null

/**
 * Shows a short message for a few seconds; errors are announced assertively. `action` adds a
 * button (an Undo) that runs it and closes the toast.
 */
export function toast(message: string, kind: 'info' | 'error' = 'info', ms = 4000, action?: { label: string; run: () => void }): void {
  if (!toastHost) {
    toastHost = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })
    document.body.append(toastHost)
  }
  const button = action && h('button', { type: 'button', class: 'toast-action', onclick: () => (el.remove(), action.run()) }, action.label)
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : null }, message, button)
  toastHost.append(el)
  setTimeout(() => el.remove(), ms)
}
