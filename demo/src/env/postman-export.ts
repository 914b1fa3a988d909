/**
 * "Export for Postman" on an environment or the globals: a `*.postman_environment.json` or
 * `*.postman_globals.json` download Postman imports. Secret values are left empty unless the
 * user ticks "Include secret values" (as Postman does when sharing); values this device cannot
 * open are exported empty and named.
 */
import { exportPostmanEnvironment, exportPostmanGlobals, type PostmanScopeExport } from '@ferry/client'
import { h } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import type { VariableValues } from '../model/variable-values.ts'

function download(fileName: string, json: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, '\t')], { type: 'application/json' }))
  const link = h('a', { href: url, download: fileName })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Asks whether to include secret values; null when cancelled. */
async function askSecrets(title: string, secrets: number): Promise<boolean | null> {
  const answer = await openDialog<boolean>(title, (close) => {
    const include = h('input', { type: 'checkbox', 'data-testid': 'export-include-secrets' })
    return h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(include.checked)) },
      h('p', { class: 'hint', style: 'font-size:14px;color:var(--text-2)' }, 'A file Postman imports. Values are written in clear: keep the file somewhere safe.'),
      secrets > 0
        ? h('label', { class: 'checkbox' }, include, `Include secret values (${secrets} secret variable${secrets === 1 ? '' : 's'}; left empty otherwise, as Postman does when sharing)`)
        : h('p', { class: 'hint' }, 'No variable here is secret.'),
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'export-confirm' }, icon('download', 15), 'Export')))
  })
  return answer ?? null
}

/** Exports `scopeId` (an environment id, or null for the globals) after asking about secret values. */
export async function exportForPostman(values: VariableValues, scopeId: string | null): Promise<void> {
  const environments = values.environments
  const variables = scopeId === null ? environments.globals.list() : (environments.get(scopeId)?.variables ?? [])
  const name = scopeId === null ? 'the globals' : `"${environments.get(scopeId)?.name ?? ''}"`
  const includeSecrets = await askSecrets(`Export ${name} for Postman`, variables.filter((v) => v.secret).length)
  if (includeSecrets === null) return
  try {
    const source = { environments, readVariable: (scope: string | null, id: string) => values.read(scope, id) }
    const exported: PostmanScopeExport = scopeId === null ? await exportPostmanGlobals(source, { includeSecrets }) : await exportPostmanEnvironment(source, scopeId, { includeSecrets })
    download(exported.fileName, exported.file)
    const notes = [
      exported.secretsLeftEmpty.length ? `${exported.secretsLeftEmpty.length} secret value(s) left empty` : '',
      exported.unreadable.length ? `not readable on this device, exported empty: ${exported.unreadable.join(', ')}` : '',
    ].filter(Boolean)
    toast(`Exported ${exported.fileName}${notes.length ? ` (${notes.join('; ')})` : ''}`, exported.unreadable.length ? 'error' : 'info', 6000)
  } catch (error) {
    toast(describeError(error), 'error')
  }
}

/** The button the environment editor shows. */
export function exportButton(values: VariableValues, scopeId: string | null): HTMLButtonElement {
  return h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'export-postman', title: 'Export for Postman', onclick: () => void exportForPostman(values, scopeId) }, icon('download', 14), 'Export')
}
