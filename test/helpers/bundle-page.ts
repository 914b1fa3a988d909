/**
 * A page's entry bundled as one IIFE exposing its exports as `window[name]` (Vite's JS API),
 * for a blank or routed page in Chromium: the browser suites' pages and the browser benches'.
 */
export async function bundlePage(entry: string, name: string): Promise<string> {
  const { build } = await import('vite')
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: { write: false, minify: false, lib: { entry, formats: ['iife'], name, fileName: name } },
  })
  const outputs = Array.isArray(output) ? output : [output]
  const chunk = outputs.flatMap((o) => ('output' in o ? o.output : [])).find((c) => c.type === 'chunk')
  if (!chunk || chunk.type !== 'chunk') throw new Error(`the page ${entry} did not bundle`)
  return chunk.code
}
