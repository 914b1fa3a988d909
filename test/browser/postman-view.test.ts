/**
 * Looking at an imported Postman collection writes nothing. Imported requests are stored
 * compact (as their Postman item) until their first edit materializes them, which adds a Yjs
 * client to the collection doc's state vector for good (see docs/decisions.md, "Compact
 * requests"). Opening requests, switching every tab, scrolling, and the collection's and a
 * folder's settings leave the doc's state vector as it was, at the relay and in this device's
 * IndexedDB; typing in a header value and the body then materializes the request (one client)
 * and the edits reach a second device, whose unbound fields show them live.
 */
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { UserId } from '@ferry/protocol'
import { device, eventually, hasChromium, useDemoSuite } from './harness.ts'
import { storedCollectionDocs, storedDocRows } from './stored-docs.ts'
import { signIn, signUp, treeRequest } from './ui.ts'
import { stockProvider, synced } from '../helpers/sync-clients.ts'
import { sessionToken } from '../helpers/sessions.ts'

const user = { email: 'postman-view@example.com', password: 'postman view 12', name: 'Paz' }
const badge = (page: Page) => page.getByTestId('sync-badge').textContent()

const SCRIPT = (listen: string, line: string) => ({ listen, script: { type: 'text/javascript', exec: [line] } })

/** A Postman v2.1 file with something in every tab: params, path variables, headers, bodies, auths, scripts, examples, variables. */
const FILE = {
  info: { _postman_id: 'c0ffee00-0000-4000-8000-000000000002', name: 'Zoo API', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
  auth: { type: 'apikey', apikey: [{ key: 'key', value: 'X-Key' }, { key: 'value', value: '{{key}}' }, { key: 'in', value: 'header' }] },
  variable: [{ key: 'baseUrl', value: 'https://zoo.example' }],
  event: [SCRIPT('prerequest', 'console.log("collection")')],
  item: [
    {
      name: 'Animals',
      auth: { type: 'basic', basic: [{ key: 'username', value: 'keeper' }, { key: 'password', value: 'secret' }] },
      variable: [{ key: 'pen', value: '4' }],
      event: [SCRIPT('test', 'pm.test("folder")')],
      item: [
        {
          name: 'List animals',
          request: {
            method: 'GET',
            header: [{ key: 'Accept', value: 'application/json' }, { key: 'X-Trace', value: 'on', disabled: true }],
            url: { raw: '{{baseUrl}}/animals?limit=5&sort=name', host: ['{{baseUrl}}'], path: ['animals'], query: [{ key: 'limit', value: '5' }, { key: 'sort', value: 'name' }] },
            description: 'Every animal.',
          },
          event: [SCRIPT('test', 'pm.test("ok")')],
          response: [{ name: 'Two', code: 200, status: 'OK', header: [{ key: 'Content-Type', value: 'application/json' }], body: '[1,2]' }],
        },
        {
          name: 'Get animal',
          request: {
            method: 'GET',
            header: [],
            url: { raw: '{{baseUrl}}/animals/:id', host: ['{{baseUrl}}'], path: ['animals', ':id'], variable: [{ key: 'id', value: '7' }] },
            auth: { type: 'oauth2', oauth2: [{ key: 'grant_type', value: 'client_credentials', type: 'string' }] },
          },
        },
        {
          name: 'Add animal',
          request: {
            method: 'POST',
            header: [{ key: 'Content-Type', value: 'application/json' }],
            url: '{{baseUrl}}/animals',
            body: { mode: 'raw', raw: '{"name": "Rex"}', options: { raw: { language: 'json' } } },
            auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}' }] },
          },
          event: [SCRIPT('prerequest', 'pm.variables.set("n", 1)')],
        },
      ],
    },
    {
      name: 'Feed',
      request: { method: 'PUT', header: [], url: '{{baseUrl}}/feed', body: { mode: 'urlencoded', urlencoded: [{ key: 'food', value: 'hay' }] } },
    },
  ],
}

const REQUEST_TABS = ['params', 'headers', 'body', 'auth', 'scripts', 'examples'] as const
const SETTINGS_TABS = ['description', 'auth', 'variables', 'scripts'] as const

/** The collection doc's state vector in this device's IndexedDB (its stored rows, merged). */
async function storedStateVector(page: Page, docName: string): Promise<Map<number, number>> {
  const rows = (await storedDocRows(page)).get(docName) ?? []
  return Y.decodeStateVector(Y.encodeStateVectorFromUpdate(Y.mergeUpdates(rows)))
}

const stateVector = (doc: Y.Doc): Map<number, number> => Y.decodeStateVector(Y.encodeStateVector(doc))
/** Materializing a compact request writes by a client id above 2^32 (see compact.ts). */
const materializers = (sv: Map<number, number>): number[] => [...sv.keys()].filter((client) => client > 2 ** 32)

async function openRequest(page: Page, method: string, name: string): Promise<void> {
  await treeRequest(page, method, name).click()
  await eventually(() => page.getByTestId('request-name').inputValue()).toBe(name)
}

/** Every tab of the open request, with a scroll of the page in each. */
async function everyRequestTab(page: Page): Promise<void> {
  for (const tab of REQUEST_TABS) {
    await page.getByTestId(`req-tab-${tab}`).click()
    await page.mouse.move(640, 500)
    await page.mouse.wheel(0, 400)
    await page.mouse.wheel(0, -400)
  }
}

async function everySettingsTab(page: Page): Promise<void> {
  await page.getByTestId('settings-view').waitFor()
  for (const tab of SETTINGS_TABS) {
    await page.getByTestId(`settings-tab-${tab}`).click()
    await page.mouse.wheel(0, 300)
  }
}

describe.skipIf(!hasChromium)('looking at an imported Postman collection', () => {
  const suite = useDemoSuite()

  it('writes nothing to its doc; typing in a header value and the body materializes the request once and syncs', async () => {
    const laptop = await device(suite.browser)
    const { page } = laptop
    await signUp(page, suite.relay.url, user)
    await page.getByTestId('continue').click()
    const chooser = page.waitForEvent('filechooser')
    await page.getByTestId('import-collection').click()
    await (await chooser).setFiles({ name: 'zoo.postman_collection.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(FILE)) })
    await page.getByRole('treeitem', { name: 'Collection Zoo API' }).waitFor()
    await eventually(() => badge(page)).toContain('IN SYNC')

    // The relay's copy of the collection doc, watched from here (as the stock provider).
    const docNames = await storedCollectionDocs(page)
    expect(docNames).toHaveLength(1)
    const docName = docNames[0]!
    const relayDoc = new Y.Doc()
    const provider = stockProvider(suite.relay.wsUrl, docName, await sessionToken(suite.relay, docName.split(':')[0] as UserId), relayDoc)
    await synced(provider)
    const imported = stateVector(relayDoc)
    expect(await storedStateVector(page, docName)).toEqual(imported)
    expect(materializers(imported)).toEqual([])

    // Look at everything: each request and its tabs, the collection's and the folder's settings.
    await page.getByRole('treeitem', { name: 'Folder Animals' }).click()
    for (const [method, name] of [['GET', 'List animals'], ['GET', 'Get animal'], ['POST', 'Add animal'], ['PUT', 'Feed']] as const) {
      await openRequest(page, method, name)
      await everyRequestTab(page)
    }
    // What the tabs showed came from the compact requests.
    await openRequest(page, 'GET', 'List animals')
    await page.getByTestId('req-tab-params').click()
    expect(await page.getByLabel('Query parameters').getByLabel('Key 2', { exact: true }).inputValue()).toBe('sort')
    await page.getByTestId('req-tab-headers').click()
    expect(await page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('application/json')
    expect(await page.getByLabel('Enable row 2', { exact: true }).isChecked()).toBe(false)
    await page.getByTestId('req-tab-scripts').click()
    expect(await page.getByTestId('script-test').textContent()).toBe('pm.test("ok")')
    await openRequest(page, 'GET', 'Get animal')
    expect(await page.getByLabel('Path variables').getByLabel('Value 1', { exact: true }).inputValue()).toBe('7')
    await openRequest(page, 'PUT', 'Feed')
    await page.getByTestId('req-tab-body').click()
    expect(await page.getByLabel('Form fields').getByLabel('Value 1', { exact: true }).inputValue()).toBe('hay')
    await openRequest(page, 'POST', 'Add animal')
    await page.getByTestId('req-tab-body').click()
    expect(await page.getByTestId('body-text').innerText()).toBe('{"name": "Rex"}')
    await page.getByTestId('req-tab-auth').click()
    expect(await page.getByLabel('Token', { exact: true }).inputValue()).toBe('{{token}}')

    await page.getByTestId('collection-menu-Zoo API').click()
    await page.getByTestId('collection-settings').click()
    await everySettingsTab(page)
    await page.getByTestId('settings-tab-variables').click()
    expect(await page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('https://zoo.example')
    await page.getByTestId('item-menu-Animals').click()
    await page.getByTestId('folder-settings').click()
    await everySettingsTab(page)
    await page.getByTestId('settings-tab-scripts').click()
    expect(await page.getByTestId('script-test').textContent()).toBe('pm.test("folder")')
    await page.getByTestId('settings-tab-auth').click()
    expect(await page.getByLabel('Username', { exact: true }).inputValue()).toBe('keeper')

    // Nothing was written: no new client, no new clock, here or at the relay.
    await eventually(() => badge(page)).toContain('IN SYNC')
    await page.waitForTimeout(1000)
    expect(await storedStateVector(page, docName)).toEqual(imported)
    expect(stateVector(relayDoc)).toEqual(imported)

    // A second device opens the request: still nothing written.
    const phone = await device(suite.browser)
    await phone.page.goto(suite.relay.url)
    await signIn(phone.page, user)
    await phone.page.getByRole('treeitem', { name: 'Collection Zoo API' }).click()
    await phone.page.getByRole('treeitem', { name: 'Folder Animals' }).click()
    await openRequest(phone.page, 'POST', 'Add animal')
    await phone.page.getByTestId('req-tab-headers').click()
    await eventually(() => badge(phone.page)).toContain('IN SYNC')
    await phone.page.waitForTimeout(500)
    expect(stateVector(relayDoc)).toEqual(imported)

    // Typing in the header value binds it (materializing the request); the phone's unbound cell shows it live.
    await openRequest(page, 'POST', 'Add animal')
    await page.getByTestId('req-tab-headers').click()
    await page.getByLabel('Value 1', { exact: true }).click()
    await page.keyboard.press('End')
    await page.keyboard.type('; charset=utf-8')
    expect(await page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('application/json; charset=utf-8')
    await eventually(() => phone.page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('application/json; charset=utf-8')

    // The body: the phone shows it (unbound) before and after the laptop types in it.
    await phone.page.getByTestId('req-tab-body').click()
    expect(await phone.page.getByTestId('body-text').innerText()).toBe('{"name": "Rex"}')
    await page.getByTestId('req-tab-body').click()
    await page.getByTestId('body-text').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.type(', "age": 3')
    await eventually(() => page.getByTestId('body-text').innerText()).toBe('{"name": "Rex", "age": 3}')
    await eventually(() => phone.page.getByTestId('body-text').innerText()).toBe('{"name": "Rex", "age": 3}')

    // Typing on the phone too: its editor binds on focus and the edit reaches the laptop.
    await phone.page.getByTestId('body-text').click()
    await phone.page.keyboard.press('Control+Home')
    await phone.page.keyboard.type(' ')
    await eventually(() => page.getByTestId('body-text').innerText()).toBe(' {"name": "Rex", "age": 3}')

    // One request was materialized, once (the phone's binding found it materialized already).
    await eventually(() => badge(page)).toContain('IN SYNC')
    await eventually(() => badge(phone.page)).toContain('IN SYNC')
    await eventually(() => materializers(stateVector(relayDoc)).length).toBe(1)
    await eventually(async () => materializers(await storedStateVector(page, docName)).length).toBe(1)
    expect(laptop.errors).toEqual([])
    expect(phone.errors).toEqual([])
    provider.destroy()
    await phone.context.close()
    await laptop.context.close()
  }, 120_000)
})
