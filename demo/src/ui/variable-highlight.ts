/** Marks `{{name}}` references in a CodeMirror editor (class `cm-variable`), as they are resolved on send. */
import { Decoration, MatchDecorator, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view'
import { VARIABLE_REFERENCE } from '../lib/variables.ts'

const references = new MatchDecorator({
  regexp: VARIABLE_REFERENCE,
  decoration: Decoration.mark({ class: 'cm-variable' }),
})

export const variableHighlight = ViewPlugin.fromClass(
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
