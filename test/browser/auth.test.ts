/**
 * Accounts in the demo against a real relay: sign up, the "confirm your email" notice, the
 * confirmation link from the outbox, a wrong password, and "Trouble signing in?" through the
 * mailed reset link. The forms state the relay's password rule and show its refusals as sentences.
 */
import { MIN_PASSWORD_LENGTH } from '@ferry/protocol'
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, mailedLink, screenshot, useDemoSuite } from './harness.ts'
import { signIn, signUp } from './ui.ts'

describe.skipIf(!hasChromium)('demo sign-up, confirmation and recovery', () => {
  const suite = useDemoSuite()

  it('signs up, shows the confirm notice, and confirms from the mailed link', async () => {
    const { page, errors } = await device(suite.browser)
    await page.goto(suite.relay.url)
    await screenshot(page, 'sign-in')
    await page.getByTestId('to-signup').click()
    await page.getByTestId('signup-email').waitFor()
    await screenshot(page, 'sign-up')
    // The form says the relay's rule, checks it, and shows the relay's own refusals as sentences.
    expect(await page.locator('#' + (await page.getByTestId('signup-password').getAttribute('aria-describedby'))).textContent()).toBe(`At least ${MIN_PASSWORD_LENGTH} characters.`)
    await signUp(page, suite.relay.url, { email: 'ada@example.com', password: 'x'.repeat(MIN_PASSWORD_LENGTH - 1), name: 'Ada' })
    await eventually(() => page.getByTestId('auth-error').textContent()).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    // Chromium takes "me@localhost" as an email; the relay does not, and says so in its validator's words.
    await signUp(page, suite.relay.url, { email: 'me@localhost', password: 'long enough password', name: 'Ada' })
    await eventually(() => page.getByTestId('auth-error').textContent()).toBe('Enter a valid email address, like name@example.com.')
    await screenshot(page, 'sign-up-error')
    const user = { email: 'ada@example.com', password: 'correct horse battery', name: 'Ada Lovelace' }
    await signUp(page, suite.relay.url, user)
    await page.getByRole('heading', { name: 'Confirm your email' }).waitFor()
    expect(await page.textContent('main')).toContain('ada@example.com')
    await screenshot(page, 'confirm-notice')
    await page.getByTestId('continue').click()
    await page.getByTestId('banner-confirm').waitFor()
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')

    const link = await mailedLink(suite.relay.dataDir, user.email, 'confirm')
    await page.goto(link)
    await page.getByText('Your email is confirmed').waitFor()
    await page.getByTestId('continue').click()
    await page.getByTestId('request-editor').or(page.getByTestId('home-new-collection')).waitFor()
    await eventually(() => page.getByTestId('banner-confirm').count()).toBe(0)
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('explains a wrong password and resets it through "Trouble signing in?"', async () => {
    const setup = await device(suite.browser)
    const user = { email: 'grace@example.com', password: 'first password 1', name: 'Grace' }
    await signUp(setup.page, suite.relay.url, user)
    await setup.page.getByRole('heading', { name: 'Confirm your email' }).waitFor()
    await setup.context.close()

    const { page, errors } = await device(suite.browser)
    await page.goto(suite.relay.url)
    await signIn(page, { email: user.email, password: 'not my password' })
    await eventually(() => page.getByTestId('auth-error').textContent()).toContain('do not match')

    await page.getByRole('link', { name: 'Trouble signing in?' }).click()
    await page.getByTestId('recover-email').fill(user.email)
    await page.getByTestId('recover-submit').click()
    await page.getByText('we sent it an email').waitFor()
    const link = await mailedLink(suite.relay.dataDir, user.email, 'reset')
    await page.goto(link)
    await page.getByTestId('reset-password').fill('short')
    await page.getByTestId('reset-repeat').fill('short')
    await page.getByTestId('reset-submit').click()
    await eventually(() => page.getByTestId('auth-error').textContent()).toBe(`Use a password of at least ${MIN_PASSWORD_LENGTH} characters.`)
    await page.getByTestId('reset-password').fill('second password 2')
    await page.getByTestId('reset-repeat').fill('second password 2')
    await page.getByTestId('reset-submit').click()
    await page.getByText('Your password is changed').waitFor()
    await page.getByRole('link', { name: 'Sign in' }).click()
    await signIn(page, { email: user.email, password: 'second password 2' })
    await page.getByTestId('account-menu').waitFor()
    expect(await page.getByTestId('account-menu').getAttribute('aria-label')).toContain('Grace')
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)
})
