/**
 * A CodeMirror 6 editor bound to a `Y.Text` through y-codemirror.next: typing on two devices
 * merges character by character, a remote edit keeps the local selection, and undo (Ctrl+Z)
 * undoes only this editor's own edits (Yjs's UndoManager, not CodeMirror's history, which
 * would also undo what arrived from other devices). Highlights `{{variables}}`; the language
 * (syntax highlighting) can be switched while it is open.
 */
import { Compartment, EditorState, type Extension } from '@codemirror/state'
import { drawSelection, EditorView, highlightActiveLine, highlightSpecialChars, keymap, lineNumbers, placeholder } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import * as Y from 'yjs'
import type { Scope } from './dom.ts'
import { variableHighlight } from './variable-highlight.ts'

export interface CodeEditorOptions {
  /** Accessible name and test id of the editable area. */
  label: string
  testId: string
  placeholder?: string
  /** Syntax highlighting to start with (see `setLanguage`). */
  language?: Extension
  /** Shown but not editable (a newer Ferry wrote the doc). */
  readOnly?: boolean
}

export interface CodeEditor {
  readonly el: HTMLElement
  setLanguage(language: Extension): void
  /**
   * Binds the open editor to another text, whose content it then shows (a script created when
   * the user first focuses its editor); focus and the view stay as they are.
   */
  bindTo(text: Y.Text): void
}

export function codeEditor(scope: Scope, text: Y.Text, options: CodeEditorOptions): CodeEditor {
  const language = new Compartment()
  const collab = new Compartment()
  let undoManager = new Y.UndoManager(text)
  const view = new EditorView({
    state: EditorState.create({
      doc: text.toString(),
      extensions: [
        lineNumbers(),
        highlightSpecialChars(),
        drawSelection(),
        highlightActiveLine(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
        variableHighlight,
        language.of(options.language ?? []),
        EditorView.lineWrapping,
        // CodeMirror owns the class list of its outer element: extra classes go through a facet.
        EditorView.editorAttributes.of({ class: 'code-editor' }),
        EditorView.contentAttributes.of({ 'aria-label': options.label, 'data-testid': options.testId }),
        EditorState.readOnly.of(options.readOnly ?? false),
        EditorView.editable.of(!options.readOnly),
        options.placeholder ? placeholder(options.placeholder) : [],
        // No awareness: Ferry's sync provider does not carry it, so no remote cursors.
        collab.of(yCollab(text, null, { undoManager })),
      ],
    }),
  })
  scope.add(() => {
    view.destroy()
    undoManager.destroy()
  })
  return {
    el: view.dom,
    setLanguage: (next) => view.dispatch({ effects: language.reconfigure(next) }),
    bindTo: (next) => {
      const previous = undoManager
      undoManager = new Y.UndoManager(next)
      const shown = view.state.doc.toString()
      const content = next.toString()
      // Off, then on: y-codemirror.next's sync plugin reads its text once, when it is created.
      view.dispatch({ effects: collab.reconfigure([]) })
      view.dispatch({
        ...(shown === content ? {} : { changes: { from: 0, to: shown.length, insert: content } }),
        effects: collab.reconfigure(yCollab(next, null, { undoManager })),
      })
      previous.destroy()
    },
  }
}
