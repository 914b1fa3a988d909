/**
 * A collection a newer Ferry wrote (its doc stamped with a newer schema version) is shown
 * read-only with "update to edit it", the moment that version's update arrives: no field
 * takes input, no edit control is offered, and the page logs no error. A request an older
 * Ferry wrote (v1 strings) is shown without seeding its fields; one is seeded when edited.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { UserId } from '@ferry/protocol'
import { SCHEMA_VERSION } from '@ferry/schema'
import { device, eventually, hasChromium, useDemoSuite } from './harness.ts'
import { storedCollectionDocs } from './stored-docs.ts'
import { addRequest, createCollection, signUp, treeRequest } from './ui.ts'
import { writeV1Items } from '../../packages/schema/src/test-v1.ts'
import { cryptoRandom } from '@ferry/schema'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const user = { email: 'newer@example.com', password: 'newer schema 12', name: 'Nia' }

describe.skipIf(!hasChromium)('a doc a newer Ferry wrote', () => {
  const suite = useDemoSuite()

  it('turns the request editor read-only with a notice', async () => {
    const { page, context, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, user)
    await page.getByTestId('continue').click()
    await createCollection(page, 'Future')
    await addRequest(page, 'Future', 'Users', 'https://api.test/users')
    await page.getByTestId('req-tab-headers').click()
    await page.getByLabel('Key (new row)', { exact: true }).fill('Accept')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
    expect(await page.getByTestId('newer-schema').count()).toBe(0)

    // Another device, on a newer Ferry, writes the collection doc (as the stock provider).
    const docName = (await storedCollectionDocs(page))[0]!
    const userId = docName.split(':')[0] as UserId
    const newer = new Y.Doc()
    const provider = stockProvider(suite.relay.wsUrl, docName, await sessionToken(suite.relay, userId), newer)
    await synced(provider)
    newer.getMap('meta').set('schema', SCHEMA_VERSION + 1)

    await eventually(() => page.getByTestId('newer-schema').textContent()).toBe('This was changed by a newer version of Ferry — update to edit it.')
    expect(await page.getByTestId('url').getAttribute('readonly')).toBe('')
    expect(await page.getByTestId('request-name').getAttribute('readonly')).toBe('')
    expect(await page.getByTestId('method').isDisabled()).toBe(true)
    await page.getByTestId('url').click()
    await page.keyboard.type('ignored')
    expect(await page.getByTestId('url').inputValue()).toBe('https://api.test/users')
    await page.getByTestId('req-tab-headers').click()
    expect(await page.getByLabel('Key 1', { exact: true }).inputValue()).toBe('Accept')
    expect(await page.getByLabel('Key (new row)', { exact: true }).count()).toBe(0)
    expect(await page.getByTestId('header-presets').count()).toBe(0)
    await page.getByTestId('req-tab-body').click()
    await page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click({ force: true })
    expect(await page.getByTestId('item-menu-Users').count()).toBe(0)
    expect(errors).toEqual([])
    provider.destroy()
    await context.close()
  }, 60_000)

  it('seeds a field of a request an older Ferry wrote only when it is edited, not when it is shown', async () => {
    const { page, context, errors } = await device(suite.browser)
    await signUp(page, suite.relay.url, { email: 'older@example.com', password: 'older schema 12', name: 'Ola' })
    await page.getByTestId('continue').click()
    await createCollection(page, 'Legacy')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')

    // Another device, on Ferry before v2, adds a request (as the stock provider).
    const docName = (await storedCollectionDocs(page))[0]!
    const userId = docName.split(':')[0] as UserId
    const older = new Y.Doc()
    const provider = stockProvider(suite.relay.wsUrl, docName, await sessionToken(suite.relay, userId), older)
    await synced(provider)
    writeV1Items(older, [{ kind: 'request', name: 'Old users', method: 'GET', url: 'https://api.test/users', auth: { type: 'bearer', token: 'tok' } }], cryptoRandom)
    /** Seeded texts are written by client ids above 2^32 (see docs/decisions.md). */
    const seeded = () => [...older.store.clients.keys()].filter((client) => client > 2 ** 32).length

    await treeRequest(page, 'GET', 'Old users').click()
    await eventually(() => page.getByTestId('url').inputValue()).toBe('https://api.test/users')
    await page.getByTestId('req-tab-auth').click()
    await eventually(() => page.getByLabel('Token', { exact: true }).inputValue()).toBe('tok')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('IN SYNC')
    expect(seeded()).toBe(0)
    await page.getByTestId('url').click()
    await page.getByTestId('url').press('End')
    await page.keyboard.type('/1')
    await eventually(() => seeded()).toBe(1)
    expect(await page.getByTestId('request-name').inputValue()).toBe('Old users')
    expect(errors).toEqual([])
    provider.destroy()
    await context.close()
  }, 60_000)
})
