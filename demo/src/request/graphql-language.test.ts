import { describe, expect, it } from 'vitest'
import { StringStream } from '@codemirror/language'
import { graphqlParser } from './graphql-language.ts'

/** Each line's tokens as `[text, style]`, white space left out. */
function tokens(source: string): [string, string | null][] {
  const state = graphqlParser.startState!(2)
  const out: [string, string | null][] = []
  for (const line of source.split('\n')) {
    const stream = new StringStream(line, 4, 2)
    while (!stream.eol()) {
      stream.start = stream.pos
      const style = graphqlParser.token(stream, state)
      const text = stream.current()
      if (text.trim() !== '' && text !== ',') out.push([text, style])
    }
  }
  return out
}

describe('GraphQL tokenizer', () => {
  it('names keywords, fields, types, variables, directives, values and punctuation', () => {
    expect(tokens('query Users($first: Int!, $after: String = "x") { users(first: $first) @cached { id ...F } } # list\nfragment F on User { name }')).toEqual([
      ['query', 'keyword'], ['Users', 'typeName'], ['(', 'bracket'], ['$first', 'variableName.special'], [':', 'operator'], ['Int', 'typeName'], ['!', 'operator'],
      ['$after', 'variableName.special'], [':', 'operator'], ['String', 'typeName'], ['=', 'operator'], ['"x"', 'string'], [')', 'bracket'], ['{', 'bracket'],
      ['users', 'propertyName'], ['(', 'bracket'], ['first', 'propertyName'], [':', 'operator'], ['$first', 'variableName.special'], [')', 'bracket'], ['@cached', 'meta'], ['{', 'bracket'],
      ['id', 'propertyName'], ['...', 'punctuation'], ['F', 'typeName'], ['}', 'bracket'], ['}', 'bracket'], ['# list', 'comment'],
      ['fragment', 'keyword'], ['F', 'typeName'], ['on', 'keyword'], ['User', 'typeName'], ['{', 'bracket'], ['name', 'propertyName'], ['}', 'bracket'],
    ])
  })

  it('reads numbers, atoms, escaped quotes and block strings over several lines', () => {
    expect(tokens('f(a: -1.5e3, b: 42, c: true, d: null, e: "say \\"hi\\"")')).toEqual([
      ['f', 'propertyName'], ['(', 'bracket'], ['a', 'propertyName'], [':', 'operator'], ['-1.5e3', 'number'], ['b', 'propertyName'], [':', 'operator'], ['42', 'number'],
      ['c', 'propertyName'], [':', 'operator'], ['true', 'atom'], ['d', 'propertyName'], [':', 'operator'], ['null', 'atom'], ['e', 'propertyName'], [':', 'operator'], ['"say \\"hi\\""', 'string'], [')', 'bracket'],
    ])
    expect(tokens('"""\nA user. { not a brace } \\"""\n"""\ntype User')).toEqual([
      ['"""', 'string'], ['A user. { not a brace } \\"""', 'string'], ['"""', 'string'], ['type', 'keyword'], ['User', 'typeName'],
    ])
  })
})
