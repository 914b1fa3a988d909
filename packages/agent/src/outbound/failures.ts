/** Why a send ended without a whole response, as a code and a sentence for the page. */
import type { SendFailure, SendFailureCode } from '@ferry/protocol'

export class SendFailed extends Error {
  override name = 'SendFailed'
  constructor(readonly code: SendFailureCode, message: string) {
    super(message)
  }
}

const TLS_CODE = /^(CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH)/

/** Turns what Node threw while talking to `host` into a failure the page can show. */
export function failureOf(error: unknown, host: string): SendFailure {
  if (error instanceof SendFailed) return { code: error.code, message: error.message }
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { code: 'unreachable', message: `The name ${host} could not be resolved (DNS).` }
  if (code === 'ECONNREFUSED') return { code: 'unreachable', message: `${host} refused the connection: nothing listens there.` }
  if (typeof code === 'string' && TLS_CODE.test(code)) {
    return { code: 'unreachable', message: `${host}'s TLS certificate was not accepted (${(error as Error).message}).` }
  }
  if (code === 'HPE_INVALID_CONSTANT' || (typeof code === 'string' && code.startsWith('HPE_'))) {
    return { code: 'bad_response', message: `${host} did not answer with valid HTTP.` }
  }
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error)
  return { code: 'unreachable', message: `The connection to ${host} failed (${reason}).` }
}
