/** Labelled form fields and the one way the demo turns a failure into words for the user. */
import { h, uid, type Child } from './dom.ts'
import { isRelayAnswer, linkSentence, relaySentence } from '../lib/relay-errors.ts'

export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: Child): HTMLElement {
  if (!input.id) input.id = uid('field')
  const hintEl = hint ? h('p', { class: 'hint', id: `${input.id}-hint` }, hint) : null
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id)
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl)
}

export function textInput(props: Record<string, string | boolean | undefined>): HTMLInputElement {
  return h('input', { class: 'input', type: 'text', ...props })
}

/** Errors of the client's own (not relay answers) whose message is not written for people. */
const clientMessages: Readonly<Record<string, string>> = {
  untrusted_key: 'This vault’s key was changed by someone who does not hold it, so no device can be approved now. Rotate the key from a trusted device (the warning above the editor offers it), then approve again.',
}

/**
 * A sentence for the user: relay answers through relay-errors.ts (never the relay's raw
 * message), share-link failures by their code, everything else by its message.
 */
export function describeError(error: unknown): string {
  if (isRelayAnswer(error)) return relaySentence(error)
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    const known = clientMessages[error.code] ?? (error instanceof Error && error.name === 'LinkUnavailable' ? linkSentence(error.code) : undefined)
    if (known) return known
  }
  // Errors, and the client's result errors (`{ code, message }`, as readPostmanFiles returns),
  // carry a sentence written for people; relay answers never get here.
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string' && error.message) return error.message
  return 'Something went wrong. Please try again.'
}

/** Runs `action` with the submit button busy and any failure shown in `alert`. */
async function submitting(form: HTMLFormElement, alert: HTMLElement, action: () => Promise<void>): Promise<void> {
  const button = form.querySelector<HTMLButtonElement>('button[type=submit]')
  const label = button?.textContent ?? ''
  alert.hidden = true
  if (button) {
    button.disabled = true
    button.textContent = 'Please wait…'
  }
  try {
    await action()
  } catch (error) {
    alert.hidden = false
    alert.textContent = describeError(error)
  } finally {
    if (button?.isConnected) {
      button.disabled = false
      button.textContent = label
    }
  }
}

/** A form whose submit runs `action` through `submitting` (busy button, errors in `alert`). */
export function submitForm(alert: HTMLElement, action: () => Promise<void>, ...children: Child[]): HTMLFormElement {
  const form: HTMLFormElement = h(
    'form',
    {
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault()
        void submitting(form, alert, action)
      },
    },
    ...children,
  )
  return form
}
