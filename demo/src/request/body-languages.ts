/** Syntax highlighting for each raw body language the schema knows (GraphQL: our own tokenizer). */
import type { Extension } from '@codemirror/state'
import { html } from '@codemirror/lang-html'
import { javascript } from '@codemirror/lang-javascript'
import { json } from '@codemirror/lang-json'
import { xml } from '@codemirror/lang-xml'
import type { RawLanguage } from '../model/types.ts'
import { graphqlLanguage } from './graphql-language.ts'

const LANGUAGES: Record<RawLanguage, () => Extension> = {
  text: () => [],
  json: () => json(),
  xml: () => xml(),
  html: () => html(),
  javascript: () => javascript(),
  graphql: () => graphqlLanguage,
}

export const bodyLanguage = (language: RawLanguage): Extension => LANGUAGES[language]()
