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
import { diffRange } from './text-binding.ts'
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
  /** What the editor shows. */
  content(): string
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
    content: () => view.state.doc.toString(),
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

export interface BoundOnEditOptions extends CodeEditorOptions {
  /** What is stored, as plain data: shown until the editor is bound, refreshed on every change. */
  stored(): string
  /**
   * The live text to bind to, asked when the user first focuses or types in the editor (it may
   * write: create a script, materialize a compact request); undefined leaves it unbound (the
   * doc turned read-only meanwhile). Never asked when `readOnly`.
   */
  live(): Y.Text | undefined
  /** Calls `listener` after every change of the doc; returns unsubscribe. */
  observe(listener: () => void): () => void
}

/** Events that mean the user is about to edit: the editor binds before CodeMirror handles them. */
const EDIT_EVENTS = ['focusin', 'keydown', 'beforeinput', 'paste', 'drop'] as const

/**
 * A code editor that shows the stored text from plain data and binds to its live `Y.Text`
 * only when the user first focuses it, so showing it writes nothing (the name and URL inputs
 * do the same, see text-binding.ts `bindTextOnFocus`). Until then it shows a detached copy
 * that follows every change of the doc; once bound, typing merges and undo is its own. A
 * bound text that goes away (its request or script deleted) leaves it unbound again, showing
 * what is stored, and the next edit binds it to the new one.
 */
export function codeEditorBoundOnEdit(scope: Scope, options: BoundOnEditOptions): CodeEditor {
  const shown = new Y.Doc().getText()
  shown.insert(0, options.stored())
  const editor = codeEditor(scope, shown, options)
  let bound: Y.Text | null = null
  /** While `live()` runs: the doc's observers run inside it, before the editor is bound. */
  let binding = false
  const bind = () => {
    if (bound || binding || options.readOnly) return
    binding = true
    try {
      bound = options.live() ?? null
    } finally {
      binding = false
    }
    if (bound) editor.bindTo(bound)
  }
  for (const type of EDIT_EVENTS) editor.el.addEventListener(type, bind, { capture: true })
  /** The detached copy made to read `stored()`, as the smallest edit (the view keeps its selection). */
  const refresh = () => {
    const next = options.stored()
    const { index, remove, insert } = diffRange(shown.toString(), next)
    if (remove === 0 && insert === '') return
    shown.doc!.transact(() => {
      if (remove > 0) shown.delete(index, remove)
      if (insert) shown.insert(index, insert)
    })
  }
  scope.add(options.observe(() => {
    if (binding) return
    if (bound && (bound._item?.deleted ?? false)) {
      bound = null
      refresh()
      editor.bindTo(shown)
      return
    }
    if (!bound) refresh()
  }))
  return {
    ...editor,
    bindTo: (text) => {
      bound = text
      editor.bindTo(text)
    },
  }
}
