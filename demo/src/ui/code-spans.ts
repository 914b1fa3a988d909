/**
 * Sentences for people that name something to type (`npx ferry-agent`) mark it with
 * backticks, as the relay's and the agent's messages do; shown, the marked parts are code and
 * the backticks go. An unpaired backtick leaves the sentence as written.
 */
import { h, type Child } from './dom.ts'

export function withCode(sentence: string): Child[] {
  const parts = sentence.split('`')
  if (parts.length % 2 === 0) return [sentence]
  return parts.map((part, i) => (i % 2 === 1 ? h('code', {}, part) : part))
}
