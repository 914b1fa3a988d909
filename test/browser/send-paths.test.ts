/**
 * Sending from the demo to an API that allows no browser (a local echo server without CORS
 * headers): directly it fails with the CORS sentence and its fix; paired with the Ferry agent
 * the same request goes through it (redirects shown, binary bodies downloaded, a large body
 * streamed in); signed in on a relay with the send proxy on, it goes through the relay (after
 * the agent, while a paired one runs).
 */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, type TestAgent } from '../helpers/agent.ts'
import { BINARY_BODY, startEchoServer, type EchoServer } from '../helpers/echo-server.ts'
import { device, eventually, hasChromium, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, createCollection, signUp, useLocally } from './ui.ts'

/** As shown: the command is set as code, without the backticks the sentence marks it with. */
const CORS_AGENT = 'This API does not allow browsers to call it (CORS). Start the Ferry agent (npx ferry-agent) and pair it in Send settings'
/** Without an account there is no relay send proxy to ask for: the agent is the one fix. */
const CORS_SENTENCE_LOCAL = `${CORS_AGENT}.`
const CORS_SENTENCE = `${CORS_AGENT}, or ask your relay operator to enable the send proxy.`

async function sendTo(page: Page, url: string): Promise<void> {
  await page.getByTestId('url').fill(url)
  await page.getByTestId('send').click()
}

describe.skipIf(!hasChromium)('demo send paths', () => {
  // The relay may reach loopback here only because the echo server lives there.
  const suite = useDemoSuite({ SEND_PROXY: 'on', SEND_PROXY_ALLOW: '127.0.0.0/8' })
  let echo: EchoServer
  let agent: TestAgent | undefined
  let agentUrl = ''
  let codes: string[] = []

  beforeAll(async () => {
    echo = await startEchoServer()
    agent = await startAgent(16 * 1024 * 1024)
    agentUrl = agent.url
    codes = agent.codes
  })
  afterAll(async () => {
    await agent?.close()
    await echo?.close()
  })

  it('explains a CORS failure in one sentence with the fix, then sends through the paired agent', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await createCollection(page, 'No CORS')
    await addRequest(page, 'No CORS', 'Echo', `${echo.url}/echo/direct`, 'POST')
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-error').textContent()).toBe(CORS_SENTENCE_LOCAL + 'Send settings')
    expect(await page.getByTestId('response-error').locator('code').textContent()).toBe('npx ferry-agent')
    expect(await page.getByTestId('response-status').textContent()).toBe('Failed')
    await screenshot(page.getByRole('region', { name: 'Response' }), 'send-cors-failure')

    // Pairing: the wrong code is refused with the agent's sentence, the printed one works.
    await page.getByTestId('response-error').getByRole('button', { name: 'Send settings' }).click()
    await page.getByTestId('agent-url').fill(agentUrl)
    await page.getByTestId('agent-code').fill('WRNG-CODE')
    await page.getByTestId('agent-pair').click()
    await eventually(() => page.locator('dialog[open] [role=alert]').textContent()).toContain('not the one the agent printed')
    await page.getByTestId('agent-code').fill(codes.at(-1)!)
    await page.getByTestId('agent-pair').click()
    await eventually(() => page.getByTestId('agent-state').textContent()).toBe('Running and paired.')
    await screenshot(page.locator('dialog[open]'), 'send-settings-paired')
    await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click()

    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-via').textContent()).toBe('via Ferry agent')
    expect(await page.getByTestId('response-status').textContent()).toBe('200 OK')
    expect(JSON.parse(await page.getByTestId('response-body').locator('pre').textContent() ?? '{}')).toMatchObject({ method: 'POST', path: '/echo/direct' })
    // The page's own attempt reached the server (a POST without a preflight) before CORS hid the
    // answer; with the agent paired, it is not tried again: the server got the POST twice, not three times.
    expect(echo.hits.filter((hit) => hit === 'POST /echo/direct')).toHaveLength(2)

    // Redirects: each hop shown.
    await sendTo(page, `${echo.url}/redirect?to=${encodeURIComponent('/echo/landed')}&status=301`)
    await eventually(() => page.getByTestId('response-redirects').textContent()).toContain(`301 ${echo.url}/redirect`)
    expect(await page.getByTestId('response-redirects').textContent()).toContain(`Answered by ${echo.url}/echo/landed`)
    await screenshot(page.getByRole('region', { name: 'Response' }), 'send-via-agent-redirects')

    // Cookies a hop set go with the next hop of the same send, and are listed with the headers.
    await sendTo(page, `${echo.url}/login`)
    await eventually(() => page.getByTestId('response-body').locator('pre').textContent()).toContain('"cookie": "session=s3ss10n"')
    const response = page.getByRole('region', { name: 'Response' })
    await response.getByRole('tab', { name: /Headers/ }).click()
    expect(await page.getByTestId('response-cookies').textContent()).toBe('sessions3ss10n  (127.0.0.1/)')
    await response.getByRole('tab', { name: 'Body' }).click()

    // Binary: offered as a download, byte for byte.
    await sendTo(page, `${echo.url}/binary`)
    await eventually(() => page.getByTestId('response-binary').textContent()).toContain('Binary response, 256 B (application/octet-stream)')
    const download = page.waitForEvent('download')
    await page.getByTestId('response-download').click()
    const file = await download
    expect(file.suggestedFilename()).toBe('binary')
    expect(readFileSync(await file.path())).toEqual(Buffer.from(BINARY_BODY))

    // A body shows while it is still arriving.
    await sendTo(page, `${echo.url}/drip`)
    await eventually(() => page.getByTestId('response-body').textContent()).toContain('first part')
    expect(await page.getByTestId('response-meta').textContent()).toContain('Receiving…')
    expect(await page.getByTestId('response-body').textContent()).not.toContain('last part')
    await eventually(() => page.getByTestId('response-body').textContent()).toContain('last part')

    // A large body streams in: shown in part, all of it counted and downloadable.
    await sendTo(page, `${echo.url}/bytes?n=${5 * 1024 * 1024}`)
    await eventually(() => page.getByTestId('response-size').textContent()).toBe('5.0 MB')
    await eventually(() => page.getByTestId('response-body').textContent()).toContain('Showing the first 2.0 MB of 5.0 MB.')
    await screenshot(page.getByRole('region', { name: 'Response' }), 'send-via-agent-large')
    expect(errors).toEqual([])
  }, 120_000)

  it('sends through the relay’s send proxy for a signed-in account, and through a paired agent first while it runs', async () => {
    const { page, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, { email: 'proxy@example.com', password: 'proxy password 1', name: 'Proxy' })
    // Password hashing on a machine busy with other suites can take longer than a step's 15 s.
    await page.getByTestId('continue').click({ timeout: 60_000 })
    await page.getByTestId('account-menu').waitFor()
    await createCollection(page, 'Through relay')
    await addRequest(page, 'Through relay', 'Echo', `${echo.url}/echo/relayed?x=1`, 'PUT')
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-via').textContent()).toBe('via relay')
    expect(await page.getByTestId('response-status').textContent()).toBe('200 OK')
    expect(JSON.parse(await page.getByTestId('response-body').locator('pre').textContent() ?? '{}')).toMatchObject({ method: 'PUT', path: '/echo/relayed?x=1' })
    await screenshot(page.getByRole('region', { name: 'Response' }), 'send-via-relay')

    // With an agent paired as well, the agent goes first; once it stops, the relay takes over.
    await page.getByTestId('send-settings').click()
    await page.getByTestId('agent-url').fill(agentUrl)
    await page.getByTestId('agent-code').fill(codes.at(-1)!)
    await page.getByTestId('agent-pair').click()
    await eventually(() => page.getByTestId('agent-state').textContent()).toBe('Running and paired.')
    await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click()
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-via').textContent()).toBe('via Ferry agent')
    await agent?.close()
    agent = undefined
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-via').textContent()).toBe('via relay')
    expect(await page.getByTestId('response-status').textContent()).toBe('200 OK')

    // Turned off in Send settings: the CORS sentence again, why the agent did not send, and that the proxy is off here, not at the operator.
    await page.getByTestId('send-settings').click()
    await page.getByTestId('send-use-relay').uncheck()
    await page.locator('dialog[open]').getByRole('button', { name: 'Done' }).click()
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-error').textContent())
      .toBe(`${CORS_SENTENCE} The paired Ferry agent is not running: start it with npx ferry-agent. The relay's send proxy is turned off in Send settings.Send settings`)
    expect(errors).toEqual([])
  }, 120_000)
})
