// postman-url-encoder ships no types; this is the one function Ferry uses.
declare module 'postman-url-encoder/parser/index.js' {
  interface ParsedUrl {
    raw: string
    protocol?: string
    auth?: string[]
    host?: string[]
    port?: string
    path?: string[]
    query?: string[]
    hash?: string
  }
  const parser: { parse(url: string): ParsedUrl }
  export default parser
}
