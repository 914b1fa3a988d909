/**
 * GraphQL highlighting for the body editor: a small stream tokenizer (operations, type
 * definitions and queries alike). Keywords, field and argument names, type names (a capital
 * first letter), `$variables`, `@directives`, strings and `"""block strings"""` (which may
 * span lines), numbers, `#` comments and punctuation. `{{variables}}` are marked on top by
 * the editor's own decoration, whatever token they fall in.
 */
import { StreamLanguage, type StreamParser, type StringStream } from '@codemirror/language'

const KEYWORDS = new Set([
  'query', 'mutation', 'subscription', 'fragment', 'on', 'type', 'input', 'enum', 'schema', 'interface',
  'union', 'scalar', 'directive', 'extend', 'implements', 'repeatable',
])
const ATOMS = new Set(['true', 'false', 'null'])

interface State {
  /** Inside a `"""` block string that started on an earlier line. */
  inBlockString: boolean
}

/** Consumes a block string's body up to and including its closing `"""` (or the line's end). */
function blockString(stream: StringStream, state: State): string {
  while (!stream.eol()) {
    if (stream.match('\\"""')) continue
    if (stream.match('"""')) {
      state.inBlockString = false
      return 'string'
    }
    stream.next()
  }
  state.inBlockString = true
  return 'string'
}

/** The tokenizer (exported for its tests). */
export const graphqlParser: StreamParser<State> = {
  name: 'graphql',
  startState: () => ({ inBlockString: false }),
  copyState: (state) => ({ ...state }),
  token(stream, state) {
    if (state.inBlockString) return blockString(stream, state)
    // Commas are insignificant in GraphQL, like white space.
    if (stream.eatSpace() || stream.eat(',')) return null
    if (stream.eat('#')) {
      stream.skipToEnd()
      return 'comment'
    }
    if (stream.match('"""')) return blockString(stream, state)
    if (stream.eat('"')) {
      let escaped = false
      for (let ch = stream.next(); ch !== undefined; ch = stream.next()) {
        if (ch === '"' && !escaped) break
        escaped = !escaped && ch === '\\'
      }
      return 'string'
    }
    if (stream.match(/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/)) return 'number'
    if (stream.match(/^\$[_A-Za-z][_0-9A-Za-z]*/)) return 'variableName.special'
    if (stream.match(/^@[_A-Za-z][_0-9A-Za-z]*/)) return 'meta'
    if (stream.match('...')) return 'punctuation'
    const name = stream.match(/^[_A-Za-z][_0-9A-Za-z]*/) as RegExpMatchArray | null
    if (name) {
      const word = name[0]
      if (KEYWORDS.has(word)) return 'keyword'
      if (ATOMS.has(word)) return 'atom'
      return /^[A-Z]/.test(word) ? 'typeName' : 'propertyName'
    }
    const ch = stream.next()
    if (ch === undefined) return null
    if ('{}()[]'.includes(ch)) return 'bracket'
    if ('!:=|&'.includes(ch)) return 'operator'
    return 'punctuation'
  },
  languageData: { commentTokens: { line: '#' }, closeBrackets: { brackets: ['(', '[', '{', '"'] } },
}

export const graphqlLanguage = StreamLanguage.define(graphqlParser)
