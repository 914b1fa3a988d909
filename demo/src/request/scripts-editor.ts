/**
 * The Scripts tab of a request, a folder or the collection (`id` null): the Pre-request and
 * Tests scripts, each a JavaScript CodeMirror editor bound to the script's `Y.Text` (typing on
 * two devices merges like bodies). Ferry keeps scripts and exports them; it does not run them.
 * Scripts are shown from plain data; an editor binds to its script (creating it if there is none)
 * on first focus, so opening the tab writes nothing (nor materializes a compact request).
 */
import { h, type Scope } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { codeEditorBoundOnEdit } from '../ui/code-editor.ts'
import type { Collection, Script } from '../model/types.ts'
import { bodyLanguage } from './body-languages.ts'
import { itemOf } from '../model/collection-reads.ts'

const LISTENS: readonly { listen: string; label: string; testId: string; placeholder: string }[] = [
  { listen: 'prerequest', label: 'Pre-request script', testId: 'script-prerequest', placeholder: 'pm.environment.set("now", Date.now())' },
  { listen: 'test', label: 'Tests', testId: 'script-test', placeholder: 'pm.test("status is 200", () => pm.response.to.have.status(200))' },
]

function scriptsOf(collection: Collection, id: string | null): Script[] {
  if (id === null) return collection.kept().scripts
  return itemOf(collection, id)?.scripts ?? []
}

function scriptEditor(scope: Scope, collection: Collection, id: string | null, spec: (typeof LISTENS)[number]): HTMLElement {
  // Shown from the tree, bound (the script created if there is none) when the user first focuses it.
  const editor = codeEditorBoundOnEdit(scope, {
    label: spec.label, testId: spec.testId, placeholder: spec.placeholder, language: bodyLanguage('javascript'),
    readOnly: !collection.writable(),
    stored: () => scriptsOf(collection, id).find((s) => s.listen === spec.listen)?.code ?? '',
    live: () => (collection.writable() ? collection.scripts(id)?.text(spec.listen) : undefined),
    observe: (listener) => collection.observe(listener),
  })
  return h('div', { class: 'field' }, h('label', {}, spec.label), h('div', { class: 'script-editor' }, editor.el))
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
