/**
 * Checks every workspace's imports (and the root's tests and scripts) against two rules:
 *
 * - Declared: a workspace imports only packages its package.json declares — `dependencies`
 *   from shipped code; from its tests, test helpers, scripts and config files also its
 *   `devDependencies` and the root's (shared tooling: vitest, fast-check, fake-indexeddb…);
 *   a type-only import may be served by `@types/<name>`. The root (test/, scripts/, configs)
 *   imports its own devDependencies and the workspace packages. Relative imports stay inside
 *   the workspace; tests may use the root's test/.
 * - Direction: shared packages never reach into the relay or the demo, the relay and the demo
 *   never into each other, and the browser packages never import Node built-ins.
 *
 * Exits non-zero with one line per violation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative, resolve, sep } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const nodeBuiltins = new Set(builtinModules.filter((name) => !name.startsWith('_')))
const importPattern =
  /(?:^|[\s;])((?:import|export)\s[^'"]*?from\s*)['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

interface Manifest {
  name: string
  workspaces?: string[]
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

interface Workspace {
  dir: string
  manifest: Manifest
}

interface Import {
  specifier: string
  typeOnly: boolean
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** The workspace dirs named by the root's `workspaces` (plain paths and `dir/*` globs). */
function workspaces(): Workspace[] {
  return (readManifest(root).workspaces ?? []).flatMap((pattern) => {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2))).map((entry) => join(root, pattern.slice(0, -2), entry))
      : [join(root, pattern)]
    return dirs.filter((dir) => existsSync(join(dir, 'package.json'))).map((dir) => ({ dir, manifest: readManifest(dir) }))
  })
}

const skippedDirs = new Set(['node_modules', 'dist', 'build', '__fixtures__', '__screenshots__', 'results'])

function sourceFiles(dir: string, skip: (path: string) => boolean = () => false): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (skippedDirs.has(entry) || entry.startsWith('.') || skip(path)) return []
    if (statSync(path).isDirectory()) return sourceFiles(path, skip)
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry) && !entry.endsWith('.d.ts') ? [path] : []
  })
}

function importsOf(file: string): Import[] {
  // Comments may quote imports (documentation); they are not imports.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')
  return [...text.matchAll(importPattern)].map((m) => ({
    specifier: (m[2] ?? m[3] ?? m[4] ?? '').replace(/\?.*$/, ''),
    typeOnly: /^(?:import|export)\s+type\s/.test(m[1] ?? ''),
  }))
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')
}

const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || nodeBuiltins.has(packageOf(specifier))

/** Tests, test helpers, benches, scripts and config files run at development time and may use devDependencies. */
const isDevFile = (file: string): boolean =>
  /\.(test|bench|contract)\.ts$|[\w.-]+\.config\.ts$|[/\\](testing|scripts)[/\\]/.test(relative(root, file))

const all = workspaces()
const browserPackages = new Set(['@ferry/schema', '@ferry/protocol', '@ferry/crypto', '@ferry/client'])
/** Which workspaces each workspace must never import. */
const forbidden: Record<string, readonly string[]> = {
  '@ferry/relay': ['@ferry/demo'],
  '@ferry/demo': ['@ferry/relay'],
}
for (const name of browserPackages) forbidden[name] = ['@ferry/relay', '@ferry/demo']

const rootManifest = readManifest(root)
const shipped = (manifest: Manifest): string[] => [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]

/** What `owner` (undefined: the root) may import from a shipped file, or from a development file when `dev`. */
function declared(owner: Workspace | undefined, dev: boolean): Set<string> {
  const tooling = Object.keys(rootManifest.devDependencies ?? {})
  if (!owner) return new Set([...tooling, ...all.map((w) => w.manifest.name)])
  return new Set([...shipped(owner.manifest), ...(dev ? [...Object.keys(owner.manifest.devDependencies ?? {}), ...tooling] : [])])
}

/** Which workspace a path lies in, if any. */
function workspaceAt(path: string): Workspace | undefined {
  return all.find((w) => path === w.dir || path.startsWith(w.dir + sep))
}

/** Why `file` in workspace `owner` (undefined: the root) may not import `imported`, or undefined. */
function violation(owner: Workspace | undefined, file: string, imported: Import): string | undefined {
  const { specifier } = imported
  const ownerName = owner?.manifest.name ?? 'the root'
  let target: string | undefined
  if (specifier.startsWith('.')) {
    const path = resolve(file, '..', specifier)
    const targetWorkspace = workspaceAt(path)
    const sharedTestCode = isDevFile(file) && path.startsWith(join(root, 'test') + sep)
    if (owner && targetWorkspace !== owner && !sharedTestCode) return `imports ${specifier}: relative imports stay inside ${ownerName} (import a package by its name)`
    target = targetWorkspace?.manifest.name
  } else if (isBuiltin(specifier)) {
    if (owner && browserPackages.has(owner.manifest.name)) return `imports ${specifier}: ${ownerName} runs in browsers and may not use Node built-ins`
    return undefined
  } else {
    target = packageOf(specifier)
    const dev = !owner || isDevFile(file)
    const names = declared(owner, dev || imported.typeOnly)
    const typesName = `@types/${target.replace(/^@/, '').replace('/', '__')}`
    const ok = names.has(target) || (imported.typeOnly && names.has(typesName))
    if (!ok) return `imports ${target}, which ${relative(root, join(owner?.dir ?? root, 'package.json'))} does not declare${dev ? '' : ' in dependencies'}`
  }
  if (owner && target && forbidden[owner.manifest.name]?.includes(target)) return `imports ${specifier}: ${ownerName} never depends on ${target}`
  return undefined
}

const workspaceDirs = all.map((w) => w.dir)
const rootFiles = sourceFiles(root, (path) => workspaceDirs.includes(path))

const problems: string[] = []
for (const [owner, files] of [
  ...all.map((w) => [w, sourceFiles(w.dir)] as const),
  [undefined, rootFiles] as const,
]) {
  for (const file of files) {
    for (const imported of importsOf(file)) {
      const reason = violation(owner, file, imported)
      if (reason) problems.push(`${relative(root, file)}: ${reason}`)
    }
  }
}

if (problems.length > 0) {
  console.error(`Boundary check failed:\n${problems.join('\n')}`)
  process.exit(1)
}
console.log(`Boundary check passed (${all.length} workspaces and the root).`)
