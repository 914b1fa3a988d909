/**
 * `{{name}}` references coloured in a plain input (the URL, key/value cells, auth fields), as
 * Postman's URL bar colours them: one colour for a name that resolves (as on Send: collection
 * variables over the globals, under the active environment), another for one that does not.
 *
 * An `<input>` cannot colour parts of its text, so a mirror lies over it: the same classes (so
 * the same font, padding and border widths), the same text with each reference in a span, and
 * shifted by the input's horizontal scroll. While the text holds a reference the input's own
 * glyphs are transparent; the caret, selection, IME, paste and the Yjs binding all stay the
 * input's. The mirror takes no pointer events, so hovers reach the input (shell/variable-hints.ts
 * gives it its tooltip). During an IME composition the input shows its own text, underline
 * included, and the mirror steps aside.
 */
import { VARIABLE_REFERENCE } from '../lib/variables.ts'
import { lookupVariable, type VariableInfo } from '../model/variable-lookup.ts'
import { h } from './dom.ts'

type State = VariableInfo['state']

/** Each field's repaint, for `refreshVariableFields` (a WeakMap: removed fields are simply dropped). */
const repaints = new WeakMap<Element, () => void>()

const nativeValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')

/** Text and reference pieces of `text`, in order. */
function pieces(text: string): { text: string; name?: string }[] {
  const out: { text: string; name?: string }[] = []
  let at = 0
  for (const match of text.matchAll(new RegExp(VARIABLE_REFERENCE.source, 'g'))) {
    if (match.index > at) out.push({ text: text.slice(at, match.index) })
    out.push({ text: match[0], name: match[1] ?? '' })
    at = match.index + match[0].length
  }
  if (at < text.length) out.push({ text: text.slice(at) })
  return out
}

/**
 * Wraps `input` (where it stands, if it is in the DOM already) with its highlight mirror and
 * returns the wrapper, to be placed where the input would have been.
 */
export function variableField(input: HTMLInputElement): HTMLElement {
  const text = h('span', { class: 'var-text' })
  const mirror = h('div', { class: `${input.className} var-mirror`, 'aria-hidden': 'true' }, h('div', { class: 'var-clip' }, text))
  const wrap = h('div', { class: 'var-field' })
  input.replaceWith(wrap)
  wrap.append(input, mirror)

  /** What each name stood for when last asked (shown until a new answer comes). */
  const known = new Map<string, State>()
  /** Names asked about and not answered yet, so typing does not ask again per keystroke. */
  const asking = new Set<string>()
  let composing = false

  const scroll = () => {
    text.style.transform = `translateX(${-input.scrollLeft}px)`
  }
  const mark = (span: HTMLElement, state: State | undefined) => {
    span.className = `var-ref${state ? ` var-${state}` : ''}`
  }
  const ask = (name: string, again = false) => {
    if (asking.has(name) && !again) return
    asking.add(name)
    void lookupVariable(name).then((info) => {
      known.set(name, info.state)
      for (const span of text.querySelectorAll<HTMLElement>('.var-ref')) if (span.dataset.variable === name) mark(span, info.state)
    }, (error: unknown) => console.warn('Ferry: variable lookup failed', error)).finally(() => asking.delete(name))
  }
  const paint = () => {
    const parts = pieces(input.value)
    const marked = parts.some((p) => p.name !== undefined)
    wrap.classList.toggle('marked', marked && !composing)
    text.replaceChildren(...parts.map((p) => {
      if (p.name === undefined) return p.text
      const span = h('span', { 'data-variable': p.name }, p.text)
      mark(span, known.get(p.name))
      if (!known.has(p.name)) ask(p.name)
      return span
    }))
    scroll()
  }

  // Bindings and refreshes set `value` from code, which fires no event: the setter repaints too.
  if (nativeValue?.get && nativeValue.set) {
    const { get, set } = nativeValue
    Object.defineProperty(input, 'value', {
      configurable: true,
      get(this: HTMLInputElement) {
        return get.call(this)
      },
      set(this: HTMLInputElement, value: string) {
        set.call(this, value)
        paint()
      },
    })
  }
  input.addEventListener('input', paint)
  input.addEventListener('scroll', scroll)
  input.addEventListener('compositionstart', () => {
    composing = true
    wrap.classList.remove('marked')
  })
  input.addEventListener('compositionend', () => {
    composing = false
    paint()
  })
  const refresh = () => {
    const names = new Set(pieces(input.value).flatMap((p) => (p.name === undefined ? [] : [p.name])))
    for (const name of known.keys()) if (!names.has(name)) known.delete(name)
    for (const name of names) ask(name, true)
  }
  // Focusing re-asks: a variable may have been defined meanwhile in a place that sends no notice.
  input.addEventListener('focus', refresh)
  repaints.set(wrap, refresh)
  paint()
  return wrap
}

/** Re-resolves the references of every field on the page (variables or the active environment changed). */
export function refreshVariableFields(): void {
  for (const wrap of document.querySelectorAll('.var-field')) repaints.get(wrap)?.()
}
