/**
 * Vitest globalSetup of the browser project: builds the demo once per test run (Vite's JS API
 * into a temp dir) and hands its path to every suite (`inject('demoDir')`, see harness.ts);
 * the dir goes when the run ends. One build instead of one per suite.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The demo's production build, made once for the run. */
    demoDir: string
  }
}

const root = resolve(import.meta.dirname, '../..')

export default async function buildDemoOnce(project: TestProject): Promise<() => void> {
  const { build } = await import('vite')
  const outDir = mkdtempSync(join(tmpdir(), 'ferry-demo-build-'))
  await build({
    configFile: join(root, 'demo/vite.config.ts'),
    mode: 'production',
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  })
  project.provide('demoDir', outDir)
  return () => rmSync(outDir, { recursive: true, force: true })
}
