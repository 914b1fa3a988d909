/**
 * Marks `{{name}}` references in a CodeMirror editor (class `cm-variable`), as they are
 * resolved on send, and says on hover what each stands for now (model/variable-lookup.ts).
 */
import { Decoration, hoverTooltip, MatchDecorator, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view'
import { VARIABLE_REFERENCE } from '../lib/variables.ts'
import { describeVariable, lookupVariable } from '../model/variable-lookup.ts'
import { h } from './dom.ts'

const references = new MatchDecorator({
  regexp: VARIABLE_REFERENCE,
  decoration: Decoration.mark({ class: 'cm-variable' }),
})

const marks = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet
    constructor(view: EditorView) {
      this.decorations = references.createDeco(view)
    }
    update(update: ViewUpdate) {
      this.decorations = references.updateDeco(update, this.decorations)
    }
  },
  { decorations: (plugin) => plugin.decorations },
)

/** The reference under `pos`, if any: its name and where it starts and ends in the doc. */
export function referenceAt(lineText: string, lineFrom: number, pos: number): { name: string; from: number; to: number } | null {
  for (const match of lineText.matchAll(new RegExp(VARIABLE_REFERENCE.source, 'g'))) {
    const from = lineFrom + match.index
    const to = from + match[0].length
    if (pos >= from && pos <= to) return { name: match[1] ?? '', from, to }
  }
  return null
}

const hover = hoverTooltip(async (view, pos) => {
  const line = view.state.doc.lineAt(pos)
  const found = referenceAt(line.text, line.from, pos)
  if (!found) return null
  const text = describeVariable(found.name, await lookupVariable(found.name))
  return { pos: found.from, end: found.to, above: true, create: () => ({ dom: h('div', { class: 'variable-tip', 'data-testid': 'variable-tip' }, text) }) }
})

export const variableHighlight = [marks, hover]
