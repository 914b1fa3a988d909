/**
 * Scripts kept with a folder, request or collection (Postman's `event`s): a `Y.Array` of
 * `Y.Map`s, each `{ listen, code, kept }`. `code` is a `Y.Text` created with the script, so
 * two devices editing one script merge character by character; `listen` (when it would run:
 * `prerequest`, `test`) and `kept` (the event's other fields, verbatim) are atomic. Ferry
 * keeps scripts and shows them; it does not run them.
 */
import * as Y from 'yjs'
import type { Script } from './model.ts'
import { newText, readTextField, writeTextField, liveTextField } from './text/text-field.ts'
import { FieldReader, type ProblemSink } from './validate.ts'
import { encodeOpaque, readKept, writeOpaque } from './opaque.ts'

function scriptMap(script: Partial<Script>): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  map.set('listen', script.listen ?? 'prerequest')
  map.set('code', newText(script.code))
  if (script.kept) map.set('kept', encodeOpaque(script.kept))
  return map
}

/** A new, not yet attached array holding `scripts`, for building items. */
export function scriptArray(scripts: readonly Partial<Script>[] = []): Y.Array<unknown> {
  const array = new Y.Array<unknown>()
  array.insert(0, scripts.map(scriptMap))
  return array
}

/** The valid scripts of `array`; malformed ones are skipped and reported under `path`. */
export function readScripts(array: Y.Array<unknown>, path: string, report: ProblemSink): Script[] {
  const scripts: Script[] = []
  array.forEach((value, index) => {
    if (!(value instanceof Y.Map)) return report({ code: 'malformed_row', path: `${path}/${index}`, message: 'script is not a Y.Map' })
    const r = new FieldReader(value)
    const script: Script = { listen: r.string('listen'), code: r.textField('code'), ...readKept(value) }
    if (r.issue === undefined) scripts.push(script)
    else report({ code: 'malformed_row', path: `${path}/${index}`, message: r.issue })
  })
  return scripts
}

/** The scripts of one item or of the collection, for editing. */
export class ScriptList {
  constructor(
    private readonly array: Y.Array<unknown>,
    private readonly path: string,
    private readonly report: ProblemSink,
    private readonly write: <T>(fn: () => T) => T,
  ) {}

  scripts(): Script[] {
    return readScripts(this.array, this.path, this.report)
  }

  private first(listen: string): Y.Map<unknown> | undefined {
    return this.array.toArray().find((m): m is Y.Map<unknown> => m instanceof Y.Map && m.get('listen') === listen && readTextField(m, 'code') !== undefined)
  }

  /** The live code of the first script that runs at `listen`, added (empty) if there is none. */
  text(listen: string): Y.Text {
    return this.write(() => {
      let map = this.first(listen)
      if (!map) this.array.push([(map = scriptMap({ listen }))])
      return liveTextField(map, 'code')!
    })
  }

  /** Removes the script at `index` (of the list's scripts in order, as `replace` pairs them); false if there is none. */
  remove(index: number): boolean {
    const map = this.array.toArray().filter((m) => m instanceof Y.Map)[index]
    if (!map) return false
    this.write(() => this.array.delete(this.array.toArray().indexOf(map), 1))
    return true
  }

  /**
   * Makes the list read `scripts` (an update from a file): scripts are paired in order and
   * their code set as the smallest edit, so concurrent edits elsewhere in them survive.
   */
  replace(scripts: readonly Script[]): void {
    this.write(() => {
      const maps = this.array.toArray().filter((m): m is Y.Map<unknown> => m instanceof Y.Map)
      scripts.forEach((script, i) => {
        const map = maps[i]
        if (!map) return this.array.push([scriptMap(script)])
        if (map.get('listen') !== script.listen) map.set('listen', script.listen)
        writeOpaque(map, 'kept', script.kept)
        writeTextField(map, 'code', script.code)
      })
      const extra = maps[scripts.length]
      if (extra) this.array.delete(this.array.toArray().indexOf(extra), this.array.length - this.array.toArray().indexOf(extra))
    })
  }
}
