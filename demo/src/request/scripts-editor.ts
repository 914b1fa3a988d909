/**
 * The Scripts tab of a request, a folder or the collection (`id` null): the Pre-request and
 * Tests scripts, each a JavaScript CodeMirror editor bound to the script's `Y.Text` (typing on
 * two devices merges like bodies). Ferry keeps scripts and exports them; it does not run them.
 * A script that does not exist yet is created on first focus, so opening the tab writes nothing.
 */
import * as Y from 'yjs'
import { h, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { codeEditor } from '../ui/code-editor.ts'
import type { Collection, Script } from '../model/types.ts'
import { bodyLanguage } from './body-languages.ts'

const LISTENS: readonly { listen: string; label: string; testId: string; placeholder: string }[] = [
  { listen: 'prerequest', label: 'Pre-request script', testId: 'script-prerequest', placeholder: 'pm.environment.set("now", Date.now())' },
  { listen: 'test', label: 'Tests', testId: 'script-test', placeholder: 'pm.test("status is 200", () => pm.response.to.have.status(200))' },
]

function scriptsOf(collection: Collection, id: string | null): Script[] {
  if (id === null) return collection.kept().scripts
  return collection.get(id)?.scripts ?? []
}

/** A detached text holding `code`, for an editor that shows without binding to the doc. */
const detached = (code: string): Y.Text => {
  const text = new Y.Doc().getText()
  text.insert(0, code)
  return text
}

function scriptEditor(scope: Scope, collection: Collection, id: string | null, spec: (typeof LISTENS)[number]): HTMLElement {
  const box = h('div', { class: 'script-editor' })
  let inner = scope.child()
  /** The live text the editor is bound to, or null while it shows a script not created yet. */
  let bound: Y.Text | null = null
  /** While this editor creates its script (the doc's observers run inside). */
  let creating = false
  const existing = () => scriptsOf(collection, id).find((s) => s.listen === spec.listen)
  const show = (text: Y.Text, readOnly: boolean) => {
    inner.dispose()
    inner = scope.child()
    const editor = codeEditor(inner, text, { label: spec.label, testId: spec.testId, placeholder: spec.placeholder, language: bodyLanguage('javascript'), readOnly })
    box.replaceChildren(editor.el)
    return editor
  }
  const live = () => collection.scripts(id)?.text(spec.listen) ?? null
  const render = () => {
    const script = existing()
    if (!collection.writable()) {
      bound = null
      show(detached(script?.code ?? ''), true)
    } else if (script) {
      bound = live()
      if (bound) show(bound, false)
    } else {
      bound = null
      const editor = show(detached(''), false)
      // Created (and the open editor bound to it) when the user means to write one.
      editor.el.addEventListener('focusin', () => {
        if (bound || !collection.writable()) return
        creating = true
        try {
          bound = live()
        } finally {
          creating = false
        }
        if (bound) editor.bindTo(bound)
      })
    }
  }
  render()
  scope.add(collection.observe(() => {
    if (creating) return
    if (!collection.writable()) return render()
    const gone = bound !== null && (bound._item?.deleted ?? false)
    const appeared = bound === null && existing() !== undefined
    if (gone || appeared) render()
  }))
  return h('div', { class: 'field' }, h('label', {}, spec.label), box)
}

export function scriptsEditor(scope: Scope, collection: Collection, id: string | null): HTMLElement {
  const extra = h('p', { class: 'hint' })
  const paintExtra = () => {
    const scripts = scriptsOf(collection, id)
    const shown = LISTENS.filter((l) => scripts.some((s) => s.listen === l.listen)).length
    const more = scripts.length - shown
    extra.textContent = more > 0 ? `${more} more script${more === 1 ? '' : 's'} (other events or repeats) ${more === 1 ? 'is' : 'are'} kept as imported and exported with the rest.` : ''
    extra.hidden = more <= 0
  }
  paintExtra()
  scope.add(collection.observe(paintExtra))
  return h('div', { style: 'display:grid;gap:14px', 'data-testid': 'scripts-editor' },
    h('div', { class: 'alert alert-info', role: 'note' }, icon('alert'), h('span', {}, 'Ferry keeps scripts and exports them with the collection, but does not run them.')),
    LISTENS.map((spec) => scriptEditor(scope, collection, id, spec)),
    extra)
}
