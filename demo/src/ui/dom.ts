/**
 * The demo's whole view layer: `h()` builds elements, `Scope` collects the unsubscribe
 * functions of a view so it can be torn down, and `region()` re-renders one part of the page
 * when its data changes. No virtual DOM: views subscribe to the Yjs documents they show and
 * update only what changed, so typing in one field never re-creates another.
 */

export type Child = Node | string | number | null | undefined | false | Child[]
type Handler = (event: never) => void
export type Props = Record<string, string | number | boolean | Handler | null | undefined>

/** Creates an element: `on<event>` props become listeners, booleans toggle attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener)
    } else if (key === 'value' && 'value' in el) {
      ;(el as HTMLInputElement).value = String(value)
    } else if (key === 'checked' && el instanceof HTMLInputElement) {
      el.checked = Boolean(value)
    } else {
      el.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

/** Appends children, flattening arrays and skipping empty values. */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)))
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

/** A set of cleanups owned by one view; `dispose()` runs them once, newest first. */
export class Scope {
  #cleanups: (() => void)[] = []
  #disposed = false

  add(cleanup: () => void): void {
    if (this.#disposed) cleanup()
    else this.#cleanups.push(cleanup)
  }

  /** A child scope disposed with this one (and disposable on its own earlier). */
  child(): Scope {
    const child = new Scope()
    this.add(() => child.dispose())
    return child
  }

  listen<K extends keyof HTMLElementEventMap>(
    target: EventTarget,
    type: K | string,
    listener: (event: HTMLElementEventMap[K]) => void,
  ): void {
    target.addEventListener(type, listener as EventListener)
    this.add(() => target.removeEventListener(type, listener as EventListener))
  }

  get disposed(): boolean {
    return this.#disposed
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    for (const cleanup of this.#cleanups.reverse()) cleanup()
    this.#cleanups = []
  }
}

/**
 * A part of the page rebuilt by `render` whenever `subscribe` reports a change. Each rebuild
 * gets a fresh child scope, so subscriptions made while rendering do not pile up. Rebuilds are
 * batched to one per animation frame; keyboard focus stays on the element with the same
 * `data-focus-key` when the region is rebuilt.
 */
export function region(
  scope: Scope,
  container: HTMLElement,
  render: (scope: Scope) => Child,
  subscribe?: (changed: () => void) => () => void,
): () => void {
  let inner: Scope | null = null
  let queued = false
  const rebuild = () => {
    queued = false
    if (scope.disposed) return
    const focusKey = (document.activeElement as HTMLElement | null)?.closest?.('[data-focus-key]')
    const key = focusKey && container.contains(focusKey) ? focusKey.getAttribute('data-focus-key') : null
    inner?.dispose()
    inner = scope.child()
    replaceChildren(container, render(inner))
    if (key) container.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(key)}"]`)?.focus()
  }
  const schedule = () => {
    if (queued) return
    queued = true
    requestAnimationFrame(rebuild)
  }
  rebuild()
  if (subscribe) scope.add(subscribe(schedule))
  return rebuild
}

/** Sets an input's value from the model unless the user is typing in it. */
export function syncValue(input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  if (document.activeElement === input && !(input instanceof HTMLSelectElement)) return
  if (input.value !== value) input.value = value
}

let idCounter = 0
/** A document-unique id for label/aria wiring. */
export function uid(prefix = 'f'): string {
  idCounter += 1
  return `${prefix}-${idCounter}`
}
