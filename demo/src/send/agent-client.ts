/**
 * The page's side of the Ferry agent's pairing (see packages/agent/src/pairing.ts): trade the
 * printed code for a token, check the agent is running, unpair.
 */
import { errorSentence } from './remote.ts'

const notRunning = (url: string) => `No Ferry agent answers at ${url}. Start it with \`npx ferry-agent\` (it prints the pairing code).`

/** A usable agent address: http(s) on this machine. */
export function agentAddress(typed: string): string | { error: string } {
  let url: URL
  try {
    url = new URL(typed.trim())
  } catch {
    return { error: 'The agent address must look like http://127.0.0.1:47110.' }
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    return { error: 'The agent listens on this machine only: use http://127.0.0.1:<port>.' }
  }
  return url.origin
}

export async function pairAgent(url: string, code: string): Promise<string> {
  let response: Response
  try {
    response = await fetch(`${url}/v1/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })
  } catch {
    throw new Error(notRunning(url))
  }
  if (!response.ok) throw new Error(await errorSentence(response))
  const { token } = (await response.json()) as { token?: unknown }
  if (typeof token !== 'string') throw new Error('The agent did not answer with a token.')
  return token
}

/** Null when the agent runs and knows this pairing, else why not. */
export async function agentProblem(agent: { url: string; token: string }): Promise<string | null> {
  let response: Response
  try {
    response = await fetch(`${agent.url}/v1/status`, { headers: { authorization: `Bearer ${agent.token}` }, signal: AbortSignal.timeout(3000) })
  } catch {
    return notRunning(agent.url)
  }
  return response.ok ? null : errorSentence(response)
}

export async function unpairAgent(agent: { url: string; token: string }): Promise<void> {
  // The page forgets the pairing either way; an agent that is not running keeps its record until it is asked again.
  await fetch(`${agent.url}/v1/pair`, { method: 'DELETE', headers: { authorization: `Bearer ${agent.token}` } }).catch((error: unknown) => {
    console.warn('The agent could not be told to forget this pairing', error)
  })
}
