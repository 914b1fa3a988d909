/**
 * "Sign in with Google" in the demo against a real OpenID Connect provider (oauth2-mock-server
 * standing in for Google): the button appears because the relay lists the provider, and the
 * round trip ends signed in through the `#/oidc?code=` hand-off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { TestRelay } from '../helpers/relay.ts'
import { startOidc, type TestOidc } from '../helpers/oidc.ts'
import { demoBuild, device, eventually, hasChromium, launchChromium, startDemoRelay } from './harness.ts'

describe.skipIf(!hasChromium)('demo sign-in with an OpenID Connect provider', () => {
  let browser: Browser
  let relay: TestRelay
  let oidc: TestOidc

  beforeAll(async () => {
    oidc = await startOidc()
    ;[browser, relay] = await Promise.all([
      launchChromium(),
      startDemoRelay(demoBuild(), {
        OIDC_PROVIDERS: 'google',
        OIDC_GOOGLE_ISSUER: oidc.issuer,
        OIDC_GOOGLE_CLIENT_ID: 'ferry-demo',
        OIDC_GOOGLE_CLIENT_SECRET: 'demo-secret',
        OIDC_GOOGLE_NAME: 'Google',
      }),
    ])
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await relay?.close(true)
    await oidc?.close()
  }, 90_000)

  it('signs in with Google and shows the account', async () => {
    oidc.setClaims({ sub: 'google-user-1', email: 'lin@example.com', email_verified: true, name: 'Lin Google' })
    const { page, errors } = await device(browser)
    await page.goto(relay.url)
    await page.getByTestId('oidc-google').click()
    await page.getByTestId('account-menu').waitFor()
    await eventually(() => page.getByTestId('account-menu').getAttribute('aria-label')).toContain('Lin Google')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
    expect(page.url()).not.toContain('code=')
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('explains a cancelled sign-in', async () => {
    const { page } = await device(browser)
    await page.goto(`${relay.url}/#/oidc?error=access_denied`)
    await eventually(() => page.getByTestId('auth-error').textContent()).toContain('cancelled')
    await page.context().close()
  }, 90_000)
})
