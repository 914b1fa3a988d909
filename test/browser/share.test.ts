/**
 * Sharing a collection by link: the owner (confirmed email) creates a link; a third browser
 * context without an account opens it read-only, sees the owner's edits live, imports a copy
 * it can edit; revoking the link closes the open view.
 */
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, mailedLink, screenshot, useDemoSuite } from './harness.ts'
import { addRequest, createCollection, signUp, treeRequest } from './ui.ts'

describe.skipIf(!hasChromium)('demo collection links', () => {
  const suite = useDemoSuite()

  it('shares a collection read-only and live, imports a copy, and revokes the link', async () => {
    const owner = await device(suite.browser)
    const user = { email: 'owner@example.com', password: 'share it please', name: 'Olive Owner' }
    await signUp(owner.page, suite.relay.url, user)
    await owner.page.getByTestId('continue').click()
    await owner.page.goto(await mailedLink(suite.relay.dataDir, user.email, 'confirm'))
    await owner.page.getByText('Your email is confirmed').waitFor()
    await owner.page.getByTestId('continue').click()
    await createCollection(owner.page, 'Public API')
    await addRequest(owner.page, 'Public API', 'List things', 'https://api.example.com/things')

    await owner.page.getByTestId('collection-menu-Public API').click()
    await owner.page.getByTestId('share-collection').click()
    await owner.page.getByTestId('create-link').click()
    const link = await owner.page.getByTestId('share-url').inputValue()
    expect(link).toMatch(/#\/shared\?token=/)
    await eventually(() => owner.page.getByTestId('share-link-row').count()).toBe(1)
    await screenshot(owner.page, 'share-dialog')
    await owner.page.getByRole('button', { name: 'Close' }).click()

    const viewer = await device(suite.browser)
    await viewer.page.goto(link)
    await eventually(() => viewer.page.getByTestId('shared-url').textContent()).toBe('https://api.example.com/things')
    expect(await viewer.page.textContent('header')).toContain('shared by Olive Owner')
    expect(await viewer.page.locator('main input, main textarea').count()).toBe(0)
    await owner.page.getByTestId('url').fill('https://api.example.com/v2/things')
    await eventually(() => viewer.page.getByTestId('shared-url').textContent()).toBe('https://api.example.com/v2/things')
    await screenshot(viewer.page, 'shared-view')

    const importer = await device(suite.browser)
    await importer.page.goto(link)
    await importer.page.getByTestId('import-shared').click()
    await importer.page.getByRole('treeitem', { name: 'Collection Public API' }).waitFor()
    await treeRequest(importer.page, 'GET', 'List things').click()
    await importer.page.getByTestId('url').fill('https://my.copy/things')
    await eventually(() => viewer.page.getByTestId('shared-url').textContent()).toBe('https://api.example.com/v2/things')

    await owner.page.getByTestId('collection-menu-Public API').click()
    await owner.page.getByTestId('share-collection').click()
    await eventually(() => owner.page.getByTestId('share-link-row').count()).toBe(1)
    await owner.page.getByTestId('revoke-link').click()
    await eventually(() => viewer.page.getByTestId('shared-status').textContent()).toContain('LINK CLOSED')
    // The viewer is told why, and what is left on screen is no longer offered as a copy.
    await eventually(() => viewer.page.getByTestId('shared-closed').textContent()).toContain('The owner revoked this link.')
    expect(await viewer.page.getByTestId('import-shared').isVisible()).toBe(false)
    await screenshot(viewer.page, 'shared-view-revoked')
    const late = await device(suite.browser)
    await late.page.goto(link)
    await eventually(() => late.page.getByTestId('shared-error').textContent()).toMatch(/revoked|no longer/i)
    for (const d of [owner, viewer, importer, late]) {
      expect(d.errors).toEqual([])
      await d.context.close()
    }
  }, 90_000)
})
