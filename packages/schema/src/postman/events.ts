/**
 * Postman events (scripts) ↔ Ferry scripts. A script's `exec` (a list of lines, or one
 * string) becomes one text; the event's other fields (`id`, `disabled`, the script's `type`,
 * `id`, `name`, `src`…) are kept verbatim. When the lines cannot be recovered from the text
 * alone (a string `exec`, no lines, a line holding a line break), how they were written is
 * kept too, and written back while the text still reads the same.
 */
import type { Json, JsonObject, Script } from '../model.ts'
import { isObject, NOTE_PREFIX, nonEmpty, omit } from './json.ts'

const EXEC = `${NOTE_PREFIX}exec`

export function importEvent(event: JsonObject): Script {
  const script = isObject(event.script) ? event.script : undefined
  const kept: JsonObject = omit(event, ['listen', 'script'])
  const exec = script?.exec
  let code = ''
  if (typeof exec === 'string') {
    code = exec
    kept[EXEC] = 'string'
  } else if (Array.isArray(exec) && exec.every((l) => typeof l === 'string')) {
    code = exec.join('\n')
    if (code.split('\n').length !== exec.length) kept[EXEC] = exec
  } else if (exec !== undefined) kept[EXEC] = { exec } // not lines: kept whole, shown empty
  if (event.script !== undefined) kept.script = script ? omit(script, ['exec']) : event.script
  if (exec === undefined) kept[EXEC] = 'absent'
  const rest = nonEmpty(kept)
  return { listen: typeof event.listen === 'string' ? event.listen : '', code, ...(rest ? { kept: rest } : {}) }
}

export function exportEvent(script: Script): JsonObject {
  const kept = script.kept ?? {}
  const how = kept[EXEC]
  const out: JsonObject = { listen: script.listen, ...omit(kept, [EXEC, 'script']) }
  let exec: Json | undefined = script.code.split('\n')
  if (how === 'string') exec = script.code
  else if (how === 'absent' && script.code === '') exec = undefined
  else if (Array.isArray(how) && how.join('\n') === script.code) exec = how
  else if (isObject(how) && script.code === '') exec = how.exec
  const givenScript = kept.script
  if (givenScript !== undefined && !isObject(givenScript)) out.script = givenScript
  else if (givenScript !== undefined || exec !== undefined) out.script = { ...(isObject(givenScript) ? givenScript : {}), ...(exec === undefined ? {} : { exec }) }
  return out
}
