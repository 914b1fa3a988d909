/**
 * `npm run build -w relay [-- <outfile>]`: the relay as one plain-JS file, `relay/dist/ferry-relay.js`, run by
 * `node` alone (no TypeScript at run time). esbuild bundles the relay's sources and the
 * workspace packages it imports (`@ferry/*`, which export their `.ts` sources for dev and
 * tests); every other package stays an `import` of `node_modules`, installed from the lock
 * file as a production dependency. The build fails when the bundle imports a package that no
 * bundled manifest declares as a dependency, since a production install would then lack it.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build, type Plugin } from 'esbuild'

const relayDir = join(import.meta.dirname, '..')
const root = join(relayDir, '..')
/** `relay/dist/ferry-relay.js`, or the path given (tests build into a clean directory). */
const outfile = process.argv[2] ? resolve(process.argv[2]) : join(relayDir, 'dist', 'ferry-relay.js')

interface Manifest {
  dependencies?: Record<string, string>
}
const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest

/** `lowdb/node` → `lowdb`, `@fastify/jwt` → `@fastify/jwt`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

const isWorkspacePackage = (name: string): boolean => name.startsWith('@ferry/')

/** Bundles `@ferry/*` and relative imports; marks every other bare import external and records it. */
function externals(imported: Map<string, Set<string>>): Plugin {
  return {
    name: 'ferry-externals',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { external: true }
        const name = packageOf(args.path)
        if (isWorkspacePackage(name)) return undefined
        const importers = imported.get(name) ?? new Set<string>()
        importers.add(args.importer)
        imported.set(name, importers)
        return { external: true }
      })
    },
  }
}

/** The production dependencies the relay's install provides: its own and those of every bundled workspace package. */
function declaredDependencies(): Set<string> {
  const declared = new Set<string>()
  const visit = (dir: string): void => {
    for (const name of Object.keys(readManifest(dir).dependencies ?? {})) {
      if (declared.has(name)) continue
      declared.add(name)
      if (isWorkspacePackage(name)) visit(join(root, 'packages', name.slice('@ferry/'.length)))
    }
  }
  visit(relayDir)
  return declared
}

const started = performance.now()
const imported = new Map<string, Set<string>>()
await build({
  entryPoints: [join(relayDir, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: true,
  banner: { js: '#!/usr/bin/env node' },
  plugins: [externals(imported)],
  logLevel: 'warning',
})
const declared = declaredDependencies()
const undeclared = [...imported].filter(([name]) => !declared.has(name))
if (undeclared.length > 0) {
  for (const [name, importers] of undeclared) {
    console.error(`${name} is imported by ${[...importers].map((file) => file.replace(root + '/', '')).join(', ')} but is not a dependency of @ferry/relay or of a @ferry package it bundles; add it to that package.json.`)
  }
  process.exit(1)
}
console.log(`Built ${outfile.replace(root + '/', '')} in ${Math.round(performance.now() - started)} ms (${imported.size} packages external).`)
