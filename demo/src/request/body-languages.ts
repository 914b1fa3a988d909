/**
 * Syntax highlighting for each raw body language the schema knows. GraphQL is not among
 * them yet (the schema's `RAW_LANGUAGES` has no `graphql`), so it has no entry here.
 */
import type { Extension } from '@codemirror/state'
import { html } from '@codemirror/lang-html'
import { javascript } from '@codemirror/lang-javascript'
import { json } from '@codemirror/lang-json'
import { xml } from '@codemirror/lang-xml'
import type { RawLanguage } from '../model/types.ts'

const LANGUAGES: Record<RawLanguage, () => Extension> = {
  text: () => [],
  json: () => json(),
  xml: () => xml(),
  html: () => html(),
  javascript: () => javascript(),
}

export const bodyLanguage = (language: RawLanguage): Extension => LANGUAGES[language]()
