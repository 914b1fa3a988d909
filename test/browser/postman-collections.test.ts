/**
 * Postman collections in the demo, losslessly: an imported file's collection variables,
 * folder scripts, an OAuth 2.0 request with saved examples and path variables are shown and
 * edited (collection and folder settings, the request's tabs), and an export carries the edits
 * and everything else; the same file imported again asks "Update" or "Import as a copy"; a
 * file with a wrong type at an item imports nothing and the report names the item.
 */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, screenshot, useApiServer, useDemoSuite } from './harness.ts'
import { treeRequest, useLocally } from './ui.ts'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Obj = { [key: string]: Json }

const EXAMPLE = {
  name: 'Found',
  originalRequest: { method: 'GET', header: [], url: { raw: '{{baseUrl}}/pets/7', host: ['{{baseUrl}}'], path: ['pets', '7'] } },
  status: 'OK',
  code: 200,
  _postman_previewlanguage: 'json',
  header: [{ key: 'Content-Type', value: 'application/json' }],
  cookie: [],
  body: '{"id":7,"name":"Rex"}',
}

const OAUTH2 = [
  { key: 'accessTokenUrl', value: 'https://auth.example/token', type: 'string' },
  { key: 'grant_type', value: 'client_credentials', type: 'string' },
  { key: 'addTokenTo', value: 'header', type: 'string' },
]

/** A Postman v2.1 file: collection variable and auth, a folder with a script, an OAuth 2.0 request with an example, one that inherits. */
function petFile(): Obj {
  return {
    info: { _postman_id: 'b8a7c1d2-0000-4000-8000-000000000001', name: 'Pet API', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] },
    variable: [{ key: 'baseUrl', value: 'https://pets.example' }],
    item: [{
      name: 'Pets',
      id: 'folder-pets',
      event: [{ listen: 'prerequest', script: { type: 'text/javascript', exec: ['console.log("folder")'] } }],
      item: [
        {
          name: 'Get pet',
          id: 'req-get-pet',
          request: {
            method: 'GET',
            header: [],
            url: { raw: '{{baseUrl}}/pets/:id', host: ['{{baseUrl}}'], path: ['pets', ':id'], variable: [{ key: 'id', value: '7' }] },
            auth: { type: 'oauth2', oauth2: OAUTH2 },
          },
          response: [EXAMPLE],
        },
        { name: 'List pets', id: 'req-list-pets', request: { method: 'GET', header: [], url: '{{baseUrl}}/pets' } },
      ],
    }],
  }
}

async function importFile(page: Page, json: Json, name = 'pet-api.postman_collection.json'): Promise<void> {
  const chooser = page.waitForEvent('filechooser')
  await page.getByTestId('import-collection').click()
  await (await chooser).setFiles({ name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) })
}

async function exportCollection(page: Page, name: string): Promise<Obj> {
  const download = page.waitForEvent('download')
  await page.getByTestId(`collection-menu-${name}`).first().click()
  await page.getByTestId('export-collection').click()
  return JSON.parse(readFileSync(await (await download).path(), 'utf8')) as Obj
}

const lines = (event: Json): string => ((((event as Obj).script as Obj).exec as string[]) ?? []).join('\n')

describe.skipIf(!hasChromium)('Postman collections in the demo', () => {
  const suite = useDemoSuite()
  const api = useApiServer()

  it('shows and edits what an import kept, exports it all, and asks before importing the same collection again', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await importFile(page, petFile())
    await page.getByText('Imported "Pet API": 2 requests, 1 folder; kept 1 script, 1 example, 1 variable, OAuth 2.0 auth.').waitFor()
    await page.getByRole('treeitem', { name: 'Collection Pet API' }).waitFor()

    // The collection's settings: its variable, edited in place.
    await page.getByTestId('collection-menu-Pet API').click()
    await page.getByTestId('collection-settings').click()
    await page.getByTestId('settings-view').waitFor()
    await page.getByTestId('settings-tab-variables').click()
    await eventually(() => page.getByLabel('Key 1', { exact: true }).inputValue()).toBe('baseUrl')
    expect(await page.getByLabel('Value 1', { exact: true }).inputValue()).toBe('https://pets.example')
    await page.getByLabel('Value 1', { exact: true }).fill(api.url)
    await screenshot(page, 'postman-collection-variables')
    await page.getByTestId('settings-tab-auth').click()
    expect(await page.getByTestId('auth-type').inputValue()).toBe('bearer')

    // The folder's pre-request script (imported) and a Tests script written here.
    await page.getByRole('treeitem', { name: 'Folder Pets' }).click()
    await page.getByTestId('item-menu-Pets').click()
    await page.getByTestId('folder-settings').click()
    await page.getByTestId('settings-tab-scripts').click()
    await eventually(() => page.getByTestId('script-prerequest').textContent()).toBe('console.log("folder")')
    await page.getByTestId('script-prerequest').click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type('\nconst edited = 1')
    await page.getByTestId('script-test').click()
    await page.keyboard.type('pm.test("ok")')
    await eventually(() => page.getByTestId('script-test').textContent()).toBe('pm.test("ok")')
    await screenshot(page, 'postman-folder-scripts')

    // The OAuth 2.0 request: path variable, example, the scheme's parameters, and what Send says.
    await treeRequest(page, 'GET', 'Get pet').click()
    await eventually(() => page.getByLabel('Path variables').getByLabel('Key 1', { exact: true }).inputValue()).toBe('id')
    expect(await page.getByLabel('Path variables').getByLabel('Value 1', { exact: true }).inputValue()).toBe('7')
    await page.getByTestId('req-tab-examples').click()
    await page.getByTestId('example').getByText('Found').waitFor()
    expect(await page.getByTestId('example-status').textContent()).toBe('200 OK')
    expect(JSON.parse((await page.getByTestId('example-body').textContent()) ?? '')).toEqual({ id: 7, name: 'Rex' })
    await screenshot(page, 'postman-request-examples')
    await page.getByTestId('req-tab-auth').click()
    await page.getByTestId('auth-not-sent').getByText('Ferry does not send OAuth 2.0 auth').waitFor()
    expect(await page.getByTestId('auth-scheme').textContent()).toBe('oauth2')
    await page.getByLabel('Value of 1', { exact: true }).fill('https://auth.example/token2')
    await screenshot(page, 'postman-request-oauth2')
    await page.getByTestId('send').click()
    await page.getByText('Ferry does not send OAuth 2.0 auth: it keeps its settings').first().waitFor()
    await eventually(() => page.getByTestId('response-status').textContent()).toContain('200')
    // {{baseUrl}} came from the collection's variables, :id from the path variables; no Authorization.
    const sent = api.requests.at(-1)!
    expect(sent.url).toBe('/pets/7')
    expect(sent.headers.authorization).toBeUndefined()

    // A request that inherits links to where its auth comes from.
    await treeRequest(page, 'GET', 'List pets').click()
    await page.getByTestId('req-tab-auth').click()
    expect(await page.getByTestId('auth-inherited').textContent()).toBe('This request uses the auth of the collection (currently: Bearer token).')
    await page.getByTestId('auth-source').click()
    await page.getByTestId('settings-view').waitFor()
    expect(await page.getByTestId('settings-tab-auth').getAttribute('aria-selected')).toBe('true')

    // Export: the edits, and everything the import kept.
    const exported = await exportCollection(page, 'Pet API')
    expect(exported.variable).toEqual([{ key: 'baseUrl', value: api.url }])
    const folder = (exported.item as Obj[])[0]!
    const events = folder.event as Obj[]
    expect(events.map((e) => e.listen)).toEqual(['prerequest', 'test'])
    expect(lines(events[0]!)).toBe('console.log("folder")\nconst edited = 1')
    expect(lines(events[1]!)).toBe('pm.test("ok")')
    const getPet = (folder.item as Obj[])[0]!
    expect(getPet.response).toEqual([EXAMPLE])
    expect((getPet.request as Obj).auth).toEqual({ type: 'oauth2', oauth2: [{ ...OAUTH2[0], value: 'https://auth.example/token2' }, OAUTH2[1], OAUTH2[2]] })
    expect(((getPet.request as Obj).url as Obj).variable).toEqual([{ key: 'id', value: '7' }])
    expect(exported.auth).toEqual(petFile().auth)

    // The same file again: update the collection, or import a copy.
    await importFile(page, petFile())
    await page.getByTestId('import-choice').waitFor()
    await screenshot(page.locator('dialog[open]'), 'postman-import-choice')
    await page.getByRole('button', { name: "Update 'Pet API'" }).click()
    await page.getByText('Updated "Pet API" from the file').waitFor()
    expect(await page.getByRole('treeitem', { name: 'Collection Pet API' }).count()).toBe(1)
    // The file did not change the variable: the edit made here stays.
    expect((await exportCollection(page, 'Pet API')).variable).toEqual([{ key: 'baseUrl', value: api.url }])

    await importFile(page, petFile())
    await page.getByTestId('import-copy').click()
    await eventually(() => page.getByRole('treeitem', { name: 'Collection Pet API' }).count()).toBe(2)
    expect(errors).toEqual([])
    await page.context().close()
  }, 120_000)

  it('imports nothing from a file with a wrong type at an item, and names the item', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    const broken = petFile()
    const getPet = ((broken.item as Obj[])[0]!.item as Obj[])[0]!
    ;(getPet.request as Obj).url = 42
    await importFile(page, broken, 'broken.json')
    const report = page.getByTestId('import-report')
    await report.waitFor()
    expect(await report.getByTestId('import-error').textContent()).toBe('"broken.json" has 1 problem, so nothing was imported. Fix it (or export the collection again from Postman) and import it again.')
    const issue = report.getByTestId('import-issue')
    expect(await issue.count()).toBe(1)
    expect(await issue.locator('td').allTextContents()).toEqual(['Pets / Get pet', 'item/0/item/0/request/url', 'url must be a string or an object'])
    await screenshot(page.locator('dialog[open]'), 'postman-import-report')
    await report.getByRole('button', { name: 'Close' }).click()
    expect(await page.getByRole('treeitem', { name: 'Collection Pet API' }).count()).toBe(0)
    expect(errors).toEqual([])
    await page.context().close()
  }, 60_000)
})
