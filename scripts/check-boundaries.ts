/**
 * Enforces the dependency direction of DESIGN.md: shared packages never reach into the relay
 * or the demo, and the browser packages never import Node built-ins (they run in browsers).
 * Exits non-zero with one line per violation.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const browserPackages = ['schema', 'protocol', 'crypto', 'client']
const nodeBuiltins = new Set(builtinModules.filter((name) => !name.startsWith('_')))
const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (entry === 'node_modules') return []
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|js|mjs)$/.test(entry) ? [path] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(importPattern)].map((m) => m[1] ?? m[2] ?? m[3] ?? '')
}

function violation(pkg: string, file: string, specifier: string): string | undefined {
  if (specifier.startsWith('@ferry/relay') || specifier.startsWith('@ferry/demo')) {
    return `imports ${specifier}: packages never depend on the relay or the demo`
  }
  if (specifier.startsWith('.')) {
    const target = relative(root, resolve(file, '..', specifier))
    if (target.startsWith('relay') || target.startsWith('demo')) {
      return `imports ${specifier}: packages never depend on the relay or the demo`
    }
  }
  const bare = specifier.replace(/^node:/, '').split('/')[0] ?? ''
  if (browserPackages.includes(pkg) && (specifier.startsWith('node:') || nodeBuiltins.has(bare))) {
    return `imports ${specifier}: @ferry/${pkg} runs in browsers and may not use Node built-ins`
  }
  return undefined
}

const problems: string[] = []
for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src')
  let files: string[]
  try {
    files = sourceFiles(src)
  } catch {
    continue
  }
  for (const file of files) {
    for (const specifier of importsOf(file)) {
      const reason = violation(pkg, file, specifier)
      if (reason) problems.push(`${relative(root, file)}: ${reason}`)
    }
  }
}

if (problems.length > 0) {
  console.error(`Boundary check failed:\n${problems.join('\n')}`)
  process.exit(1)
}
console.log('Boundary check passed.')
