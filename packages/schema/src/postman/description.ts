/**
 * Postman descriptions: a string, `{ content, type, version }`, or null. Ferry edits the
 * content as text; the rest of the value ("form") is kept so an export writes it back.
 */
import type { Json } from '../model.ts'
import { isObject, scalar } from './json.ts'

export interface SplitDescription {
  text: string
  /** How the description was written, when it was not a non-empty string (absent: nothing to keep). */
  form?: Json
}

export function splitDescription(v: Json | undefined): SplitDescription {
  if (v === undefined) return { text: '' }
  if (typeof v === 'string') return v === '' ? { text: '', form: '' } : { text: v }
  if (isObject(v)) return { text: scalar(v.content), form: 'content' in v ? { ...v, content: '' } : v }
  return { text: scalar(v), form: v }
}

/** The description to write for `text`, or undefined for none. */
export function joinDescription(text: string, form: Json | undefined): Json | undefined {
  if (isObject(form)) return text !== '' || 'content' in form ? { ...form, content: text } : form
  if (form !== undefined && !isObject(form) && scalar(form) === text) return form
  if (text !== '') return text
  return form === null || form === '' ? form : undefined
}
