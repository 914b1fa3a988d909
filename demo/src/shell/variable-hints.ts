/**
 * Hover hints for `{{name}}` in plain inputs (the URL, header and param cells, auth fields):
 * pointing at one shows, as its tooltip, what each reference in it stands for now. The code
 * editors show the same in their own tooltip (ui/variable-highlight.ts).
 */
import type { Scope } from '../ui/dom.ts'
import { VARIABLE_REFERENCE } from '../lib/variables.ts'
import { describeVariable, lookupVariable } from '../model/variable-lookup.ts'

async function hintFor(text: string): Promise<string> {
  const names = [...new Set([...text.matchAll(new RegExp(VARIABLE_REFERENCE.source, 'g'))].map((m) => m[1] ?? ''))]
  const lines = await Promise.all(names.map(async (name) => describeVariable(name, await lookupVariable(name))))
  return lines.join('\n')
}

export function attachVariableHints(scope: Scope, root: HTMLElement): void {
  scope.listen(root, 'mouseover', (event: MouseEvent) => {
    const input = event.target
    if (!(input instanceof HTMLInputElement) || input.type === 'password') return
    if (!new RegExp(VARIABLE_REFERENCE.source).test(input.value)) {
      if (input.dataset.variableHint) {
        input.removeAttribute('title')
        delete input.dataset.variableHint
      }
      return
    }
    const asked = input.value
    void hintFor(asked).then((hint) => {
      if (input.value !== asked) return
      input.title = hint
      input.dataset.variableHint = '1'
    }, (error: unknown) => console.warn('Ferry: variable hint failed', error))
  })
}
