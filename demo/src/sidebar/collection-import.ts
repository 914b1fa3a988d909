/**
 * A Postman collection file into the workspace, through @ferry/schema's importer (lossless:
 * scripts, examples, variables and every auth scheme are kept). A file the importer refuses
 * imports nothing, and the report names each problem by item and place in the file. A file
 * whose `_postman_id` matches a collection imported before asks: update that one in place
 * (items matched by their Postman ids) or import a copy. Importing into a collection that
 * has content adds a folder.
 */
import type { Workspace } from '@ferry/client'
import { fromPostman, importPostman, updateFromPostman, type ImportIssue, type PostmanImportError } from '@ferry/schema'
import { h } from '../ui/dom.ts'
import { openDialog, toast } from '../ui/dialogs.ts'
import { icon } from '../ui/icons.ts'
import type { Auth, Collection, JsonObject, TreeNode } from '../model/types.ts'
import { schemeName } from '../request/auth-schemes.ts'

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** The `_postman_id` a file names, if any. */
function fileId(json: unknown): string | undefined {
  const info = isObject(json) ? json.info : undefined
  const id = isObject(info) ? info._postman_id : undefined
  return typeof id === 'string' && id !== '' ? id : undefined
}

/** The file without its `_postman_id`: a copy is a collection of its own, not one an update finds. */
function withoutId(json: unknown): unknown {
  if (!isObject(json) || !isObject(json.info)) return json
  const { _postman_id: _, ...info } = json.info
  return { ...json, info }
}

/** Every problem of a refused collection by item and place in the file, and how many more there are. */
export function issuesTable(issues: readonly ImportIssue[], total: number): (HTMLElement | null)[] {
  return [
    issues.length
      ? h('div', { style: 'max-height:50vh;overflow:auto' }, h('table', { class: 'headers-table import-issues', 'aria-label': 'Problems in the file' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Item'), h('th', {}, 'Where in the file'), h('th', {}, 'Problem'))),
          h('tbody', {}, issues.map((issue) => h('tr', { 'data-testid': 'import-issue' },
            h('td', {}, issue.item || '(the collection)'), h('td', {}, h('code', {}, issue.path)), h('td', {}, issue.message))))))
      : null,
    total > issues.length ? h('p', { class: 'hint' }, `And ${plural(total - issues.length, 'more problem')} not listed.`) : null,
  ]
}

/** Shows why a file was refused: the sentence, then every problem by item and place. */
export function showImportError(error: PostmanImportError, source: string): Promise<unknown> {
  return openDialog<void>('Nothing was imported', (close) => {
    const issues = error.code === 'invalid_collection' ? error.issues : []
    const total = error.code === 'invalid_collection' ? error.count : 0
    const sentence = error.code === 'invalid_collection'
      ? `${source} has ${plural(total, 'problem')}, so nothing was imported. Fix ${total === 1 ? 'it' : 'them'} (or export the collection again from Postman) and import it again.`
      : `${source}: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}${/[.!?]$/.test(error.message) ? '' : '.'}`
    return h('div', { style: 'display:grid;gap:12px', 'data-testid': 'import-report' },
      h('div', { class: 'alert', role: 'alert' }, icon('alert'), h('span', { 'data-testid': 'import-error' }, sentence)),
      ...issuesTable(issues, total),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn btn-primary', autofocus: true, onclick: () => close(undefined) }, 'Close')))
  })
}

/** What an import brought, in words: "3 requests, 1 folder; kept 2 scripts, 1 example". */
export function describeImported(nodes: readonly TreeNode[], own: { scripts: unknown[]; variables: unknown[]; auth: Auth }): string {
  let requests = 0, folders = 0, scripts = own.scripts.length, examples = 0, variables = own.variables.length
  const schemes = new Set<string>(own.auth.type === 'other' ? [own.auth.scheme] : [])
  const stack = [...nodes]
  for (let node = stack.pop(); node; node = stack.pop()) {
    scripts += node.scripts.length
    variables += node.variables.length
    if (node.auth.type === 'other') schemes.add(node.auth.scheme)
    if (node.kind === 'folder') {
      folders++
      stack.push(...node.children)
    } else {
      requests++
      examples += node.examples.length
    }
  }
  const kept = [scripts ? plural(scripts, 'script') : '', examples ? plural(examples, 'example') : '', variables ? plural(variables, 'variable') : '', schemes.size ? `${[...schemes].map(schemeName).join(', ')} auth` : ''].filter(Boolean)
  return `${plural(requests, 'request')}, ${plural(folders, 'folder')}${kept.length ? `; kept ${kept.join(', ')}` : ''}`
}

type Choice = { update: string } | 'copy'

/** Asks what to do with a file whose collection was imported before. */
function askUpdateOrCopy(name: string, matches: readonly { id: string; name: string }[]): Promise<Choice | undefined> {
  return openDialog<Choice>('This collection is already here', (close) =>
    h('div', { style: 'display:grid;gap:12px', 'data-testid': 'import-choice' },
      h('p', { class: 'hint', style: 'font-size:14px;color:var(--text-2)' },
        `"${name}" was imported before${matches.length === 1 && matches[0]!.name !== name ? ` as "${matches[0]!.name}"` : ''}. Update it from this file (your edits to what the file did not change are kept), or import the file as a new collection.`),
      h('div', { class: 'dialog-actions', style: 'flex-wrap:wrap' },
        h('button', { type: 'button', class: 'btn', onclick: () => close(undefined) }, 'Cancel'),
        h('button', { type: 'button', class: 'btn', 'data-testid': 'import-copy', onclick: () => close('copy') }, 'Import as a copy'),
        matches.map((m) => h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'import-update', onclick: () => close({ update: m.id }) }, `Update '${m.name}'`)))))
}

/** The collections of the workspace imported from the Postman collection `postmanId`. */
async function importedFrom(workspace: Workspace, postmanId: string): Promise<{ id: string; name: string; collection: Collection }[]> {
  const ids = new Set(await workspace.collectionsImportedFrom(postmanId))
  const infos = workspace.index.collections().filter((info) => ids.has(info.id))
  return Promise.all(infos.map(async (info) => ({ id: info.id, name: info.name, collection: await workspace.collection(info.id) })))
}

/**
 * Imports a parsed Postman collection file (`source` names it in messages) into a new
 * collection, or updates the one it was imported into before if the user says so. Returns the
 * id of the collection it went into, or null when nothing was imported (refused: the report
 * was shown; or cancelled).
 */
export async function importCollectionJson(workspace: Workspace, json: unknown, source = 'This file'): Promise<string | null> {
  const checked = fromPostman(json)
  if (!checked.ok) {
    await showImportError(checked.error, source)
    return null
  }
  const name = checked.value.name || 'Imported collection'
  const postmanId = fileId(json)
  const matches = postmanId ? await importedFrom(workspace, postmanId) : []
  let file = json
  if (matches.length > 0) {
    const choice = await askUpdateOrCopy(name, matches)
    if (choice === undefined) return null
    if (choice !== 'copy') {
      const target = matches.find((m) => m.id === choice.update)!
      const updated = updateFromPostman(target.collection, json)
      if (!updated.ok) {
        await showImportError(updated.error, source)
        return null
      }
      const { added, updated: changed, removed } = updated.value
      toast(`Updated "${target.name}" from the file: ${plural(changed, 'item')} changed, ${added} added, ${removed} removed.`, 'info', 8000)
      return target.id
    }
    file = withoutId(json)
  }
  const id = await workspace.createCollection(name)
  const collection = await workspace.collection(id)
  const imported = importPostman(collection, file)
  if (!imported.ok) {
    // Checked above; only a file changed in between could get here.
    await workspace.deleteCollectionForever(id)
    await showImportError(imported.error, source)
    return null
  }
  toast(`Imported "${name}": ${describeImported(collection.tree(), { ...collection.kept(), auth: collection.auth() })}.`, 'info', 8000)
  return id
}

/**
 * Imports a parsed Postman collection file into `collection`: as a folder when it has content
 * (never overwriting), else as its content. Returns the new folder's id, if one was made.
 */
export function importIntoCollection(collection: Collection, json: unknown, source = 'This file'): string | null {
  const imported = importPostman(collection, json)
  if (!imported.ok) {
    void showImportError(imported.error, source)
    return null
  }
  const { name, ids, asFolder } = imported.value
  const folder = asFolder ? collection.get(ids[0] ?? '') : undefined
  const what = folder?.kind === 'folder'
    ? describeImported(folder.children, folder)
    : describeImported(collection.tree(), { ...collection.kept(), auth: collection.auth() })
  toast(`Imported "${name}"${folder ? ` as the folder "${folder.name}"` : ''}: ${what}.`, 'info', 8000)
  return folder?.id ?? null
}
