/**
 * "Import from Postman": one button for every kind of Postman file — collections,
 * environments, globals, the data dump ("Export data", a JSON or a zip) — and several at once.
 * Everything is checked first; a file that cannot be read, or environments without an
 * unlocked vault, import nothing and say why (setting up the vault is offered right there). An
 * environment that exists already asks: update it, or import a new copy. The end is a report
 * naming everything imported, and everything not imported with the reason.
 */
import {
  applyPostmanImport,
  planPostmanImport,
  PostmanImportError,
  readPostmanFiles,
  SecretEnvironments,
  type PickedFile,
  type PostmanImportPlan,
  type PostmanImportReport,
  type ScopeChoice,
} from '@ferry/client'
import type { PostmanBatch } from '@ferry/schema'
import { h, type Child } from '../ui/dom.ts'
import { icon } from '../ui/icons.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { describeError } from '../ui/form.ts'
import { href } from '../ui/router.ts'
import type { AppContext } from '../app-context.ts'
import { setUpVault } from '../vault/vault-notice.ts'
import { importCollectionJson, issuesTable } from './collection-import.ts'

/** The account's environments through its vault, or null on the local-only workspace. */
async function secretEnvironments(ctx: AppContext): Promise<SecretEnvironments | null> {
  const vault = await ctx.session.vault()
  if (!vault) return null
  return new SecretEnvironments(await ctx.workspace.environments(), ctx.workspace.docName('environments'), vault)
}

const closeButton = (label = 'Close'): HTMLButtonElement => h('button', { type: 'submit', class: 'btn btn-primary', autofocus: true, 'data-testid': 'import-close' }, label)

/** Says why nothing was imported; answers true when the user set up the vault and wants to try again. */
async function showRefusal(ctx: AppContext, error: unknown): Promise<boolean> {
  const code = error instanceof PostmanImportError ? error.code : null
  const vault = code === 'vault_not_set_up' ? await ctx.session.vault() : null
  const retry = await openDialog<boolean>('Nothing was imported', (close) =>
    h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(false)), 'data-testid': 'import-refused' },
      h('div', { class: 'alert', role: 'alert', style: 'white-space:pre-wrap' }, icon('alert'), h('span', {}, describeError(error))),
      ...(error instanceof PostmanImportError && error.problems ? issuesTable(error.problems.issues, error.problems.count) : []),
      code === 'needs_account' ? h('p', { class: 'hint' }, h('a', { href: href(['signin']), onclick: () => close(false) }, 'Sign in or create an account'), ' to import environments; collections import without one.') : null,
      code === 'vault_locked' ? h('p', { class: 'hint' }, 'Open Globals (Environments tab) to approve this device from another one, or to unlock it with your recovery key.') : null,
      h('div', { class: 'dialog-actions' },
        vault ? h('button', { type: 'button', class: 'btn', 'data-testid': 'import-setup-vault', onclick: () => void setUpVault(vault).then(() => close(vault.state.kind === 'unlocked')) }, icon('lock', 15), 'Set up vault and import') : null,
        closeButton())))
  return retry === true
}

/** Asks, for each environment that exists already, whether to update it or import a copy. */
async function askChoices(plan: PostmanImportPlan): Promise<Record<number, ScopeChoice> | undefined> {
  if (plan.questions.length === 0) return {}
  return openDialog<Record<number, ScopeChoice>>('Some of this is here already', (close) => {
    const rows = plan.questions.map((index) => {
      const { scope, target } = plan.scopes[index]!
      const group = `import-choice-${index}`
      const existing = target.kind === 'environment' ? `"${target.name}"` : 'your globals'
      const why = target.kind === 'environment'
        ? target.by === 'id' ? `"${scope.name}" was imported before${target.name === scope.name ? '' : `: it is ${existing} here now`}.` : `You have an environment named ${existing}.`
        : `Your globals already have ${target.kind === 'globals' ? target.collisions.map((k) => `"${k}"`).join(', ') : ''}.`
      const option = (value: ScopeChoice, label: string, detail: string) =>
        h('label', { class: 'checkbox', style: 'align-items:flex-start' },
          h('input', { type: 'radio', name: group, value, checked: value === 'copy', 'data-testid': `${group}-${value}` }),
          h('span', {}, h('strong', {}, label), h('br'), h('span', { class: 'hint' }, detail)))
      return h('fieldset', { style: 'border:1px solid var(--border);border-radius:8px;padding:10px 12px;display:grid;gap:8px', 'data-name': scope.name },
        h('legend', { style: 'padding:0 4px;font-weight:600' }, scope.scope === 'globals' ? 'Globals' : scope.name),
        h('p', { class: 'hint', style: 'margin:0' }, why),
        option('update', target.kind === 'environment' ? `Update ${existing}` : 'Update your globals', 'Variables with the same name take the file’s values; the others are added. Nothing is deleted.'),
        option('copy', 'Import as a new environment', 'Leaves what you have as it is.'))
    })
    return h('form', { onsubmit: (e: SubmitEvent) => {
      e.preventDefault()
      const form = e.currentTarget as HTMLFormElement
      const choices: Record<number, ScopeChoice> = {}
      for (const index of plan.questions) choices[index] = (form.querySelector<HTMLInputElement>(`input[name=import-choice-${index}]:checked`)?.value as ScopeChoice | undefined) ?? 'copy'
      close(choices)
    } },
    ...rows,
    h('div', { class: 'dialog-actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'import-confirm' }, 'Import')))
  })
}

const WHAT: Record<string, string> = { collection: 'Collection', environment: 'Environment', globals: 'Globals', 'header preset': 'Header preset', file: 'File', field: 'Data dump field' }

async function showReport(report: PostmanImportReport): Promise<void> {
  const item = (what: string, name: string, detail: string): Child => h('li', { style: 'display:grid;gap:2px' }, h('span', {}, h('span', { class: 'badge' }, WHAT[what] ?? what), ' ', h('strong', {}, name)), h('span', { class: 'hint' }, detail))
  await openDialog<void>('Imported from Postman', (close) =>
    h('form', { onsubmit: (e: SubmitEvent) => (e.preventDefault(), close(undefined)), 'data-testid': 'import-report' },
      report.imported.length > 0 ? h('ul', { style: 'display:grid;gap:8px;margin:0;padding-left:18px' }, report.imported.map((i) => item(i.what, i.name, i.detail))) : h('p', {}, 'Nothing was imported.'),
      report.notImported.length > 0
        ? h('div', { style: 'display:grid;gap:6px' }, h('h3', { style: 'margin:0;font-size:14px' }, 'Not imported'),
            h('ul', { style: 'display:grid;gap:8px;margin:0;padding-left:18px', 'data-testid': 'import-not-imported' }, report.notImported.map((n) => item(n.what, n.name, n.reason))))
        : null,
      report.imported.some((i) => i.what === 'environment' || i.what === 'globals') ? h('p', { class: 'hint', style: 'display:flex;gap:6px;align-items:center' }, icon('lock', 14), 'Values are end-to-end encrypted by your vault; secret variables stay secret.') : null,
      h('div', { class: 'dialog-actions' }, closeButton('Done'))))
}

/** Imports a read batch: plans, asks, writes, reports. Answers the ids of new collections. */
async function importBatch(ctx: AppContext, batch: PostmanBatch): Promise<string[]> {
  let plan: PostmanImportPlan
  let secret: SecretEnvironments | null
  for (;;) {
    secret = await secretEnvironments(ctx)
    try {
      plan = await planPostmanImport(secret, batch)
      break
    } catch (error) {
      if (!(await showRefusal(ctx, error))) return []
    }
  }
  const choices = await askChoices(plan)
  if (!choices) return []
  const report = await applyPostmanImport(ctx.workspace, secret, plan, choices)
  const ids = report.imported.flatMap((i) => (i.id ? [i.id] : []))
  const onlyCollections = report.imported.every((i) => i.what === 'collection') && report.notImported.length === 0
  if (onlyCollections && report.imported.length === 1) toast(`Imported "${report.imported[0]!.name}"`)
  else await showReport(report)
  return ids
}

/** Each collection file in turn (see collection-import.ts); answers the ids of the collections they went into. */
async function importCollections(ctx: AppContext, batch: PostmanBatch): Promise<string[]> {
  const ids: string[] = []
  for (const c of batch.collections) {
    const id = await importCollectionJson(ctx.workspace, c.json, `"${c.source}"`)
    if (id) ids.push(id)
  }
  return ids
}

/** Reads picked files and imports them; every failure is said, never thrown. */
export async function importPostmanFiles(ctx: AppContext, files: readonly File[]): Promise<string[]> {
  try {
    const picked: PickedFile[] = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })))
    const read = readPostmanFiles(picked)
    if (!read.ok) {
      await showRefusal(ctx, read.error)
      return []
    }
    // Collection files alone go through the collection importer: its problems listed by item,
    // and "Update" offered for a collection imported before.
    const ids = read.value.kinds.every((k) => k === 'collection')
      ? await importCollections(ctx, read.value.batch)
      : await importBatch(ctx, read.value.batch)
    for (const id of ids) ctx.expanded.set(id, true)
    return ids
  } catch (error) {
    toast(describeError(error), 'error', 8000)
    return []
  }
}

/** Opens the file picker (several files, JSON or zip) and imports what the user chose. */
export function pickAndImportPostman(ctx: AppContext): void {
  const input = h('input', { type: 'file', multiple: true, accept: '.json,.zip,application/json,application/zip' })
  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])]
    if (files.length > 0) void importPostmanFiles(ctx, files)
  })
  input.click()
}
