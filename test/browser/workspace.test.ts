/**
 * The workspace in one browser without an account: collections, folders and requests,
 * sending a real request with {{variables}}, history, environments with secrets, Postman
 * import/export, and everything still there after a reload.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { device, eventually, hasChromium, screenshot, useApiServer, useDemoSuite } from './harness.ts'
import { addRequest, answerPrompt, createCollection, treeRequest, useLocally } from './ui.ts'

describe.skipIf(!hasChromium)('demo workspace (local only)', () => {
  const suite = useDemoSuite()
  const api = useApiServer()

  it('creates, edits and sends a request, records it in history, and keeps it all across a reload', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await screenshot(page, 'home-local')
    await eventually(() => page.getByTestId('sync-badge').textContent()).toContain('LOCAL ONLY')

    await createCollection(page, 'Pet Store')
    await addRequest(page, 'Pet Store', 'Create pet', '{{baseUrl}}/pets?kind=dog', 'POST')
    // The query string became a param row.
    await eventually(() => page.getByLabel('Key 1', { exact: true }).inputValue()).toBe('kind')
    await page.getByTestId('req-tab-headers').click()
    await page.getByLabel('Key (new row)', { exact: true }).fill('X-Trace')
    await page.getByLabel('Value 1', { exact: true }).fill('abc-123')
    await page.getByTestId('req-tab-body').click()
    await page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await page.getByLabel('Body language').selectOption('json')
    await page.getByTestId('body-text').fill('{"name":"Rex"}')
    await page.getByTestId('req-tab-auth').click()
    await page.getByTestId('auth-type').selectOption('bearer')
    await page.getByLabel('Token', { exact: true }).fill('{{token}}')

    // Globals hold {{baseUrl}}; the active environment's {{token}} is a secret.
    await page.getByTestId('tab-environments').click()
    await page.getByRole('link', { name: /Globals/ }).click()
    await page.getByTestId('new-var-key').fill('baseUrl')
    await page.getByLabel('Value of baseUrl', { exact: true }).fill(api.url)
    await page.getByTestId('new-environment').click()
    await answerPrompt(page, 'Staging')
    await page.getByTestId('new-var-key').fill('token')
    await page.getByLabel('Value of token', { exact: true }).fill('s3cret')
    await page.getByTestId('secret-token').click()
    await eventually(() => page.getByTestId('var-value-token').getAttribute('type')).toBe('password')
    await page.getByTestId('reveal-token').click()
    await eventually(() => page.getByTestId('var-value-token').getAttribute('type')).toBe('text')
    await page.getByTestId('reveal-token').click()
    await page.getByTestId('toggle-active-env').click()
    await page.getByTestId('env-Staging').getByText('active').waitFor()
    await screenshot(page, 'environment')

    await page.getByTestId('tab-collections').click()
    await treeRequest(page, 'POST', 'Create pet').click()
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-status').textContent()).toContain('200')
    // The API allows this page (CORS): sent from the page itself, and the panel says so.
    expect(await page.getByTestId('response-via').textContent()).toBe('from this page')
    expect(api.requests).toHaveLength(1)
    const sent = api.requests[0]!
    expect(sent).toMatchObject({ method: 'POST', url: '/pets?kind=dog', body: '{"name":"Rex"}' })
    expect(sent.headers).toMatchObject({ authorization: 'Bearer s3cret', 'x-trace': 'abc-123', 'content-type': 'application/json' })
    expect(await page.getByTestId('response-body').textContent()).toContain('"name": "Rex"')
    expect(await page.getByTestId('response-size').textContent()).toMatch(/\d+ B/)
    await screenshot(page, 'request-editor')

    await page.getByTestId('tab-history').click()
    const row = page.getByTestId('history-row')
    await eventually(() => row.count()).toBe(1)
    expect(await row.textContent()).toContain(`127.0.0.1:${new URL(api.url).port}/pets?kind=dog`)
    await row.click()
    // History is not encrypted: the secret token is recorded as the variable, not its value.
    await page.getByText('Bearer {{token}}').waitFor()
    expect(await page.locator('#main-pane').textContent()).not.toContain('s3cret')
    // The entry shows the other headers, names as typed, and the body that were sent, and which way it went.
    expect(await page.locator('#main-pane').textContent()).toContain('X-Traceabc-123')
    expect(await page.getByTestId('history-via').textContent()).toBe('Sent from this page')
    expect(await page.locator('#main-pane pre').textContent()).toBe('{"name":"Rex"}')
    await screenshot(page, 'history')
    await page.getByTestId('open-from-history').click()
    await eventually(() => page.getByTestId('request-name').inputValue()).toBe('Create pet')

    await page.reload()
    await page.getByTestId('request-editor').waitFor()
    expect(await page.getByTestId('url').inputValue()).toBe('{{baseUrl}}/pets?kind=dog')
    await page.getByTestId('req-tab-body').click()
    expect(await page.getByTestId('body-text').innerText()).toBe('{"name":"Rex"}')
    await page.getByTestId('tab-history').click()
    await eventually(() => page.getByTestId('history-row').count()).toBe(1)
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('says what a {{variable}} stands for on hover, and promises no syncing without an account', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    expect(await page.locator('#main-pane').textContent()).toContain('saved on this device only; nothing is synced')
    expect(await page.getByTestId('sync-badge').getAttribute('title')).toContain('nothing is synced')
    // The trash promises no other device either.
    await page.getByTestId('open-trash').click()
    await eventually(() => page.getByTestId('trash-view').textContent()).toContain('deleted for good on this device (it is stored nowhere else). Restoring brings one back with every edit made meanwhile.')
    expect(await page.getByTestId('trash-view').textContent()).not.toContain('device that was offline')
    await page.getByTestId('tab-environments').click()
    await page.getByRole('link', { name: /Globals/ }).click()
    await page.getByTestId('new-var-key').fill('host')
    await page.getByLabel('Value of host', { exact: true }).fill('https://api.test')
    await page.getByLabel('Variable name', { exact: true }).press('Tab')
    await page.getByTestId('new-var-key').fill('key')
    await page.getByLabel('Value of key', { exact: true }).fill('k-123')
    await page.getByTestId('secret-key').click()

    await createCollection(page, 'Hints')
    // Nor do a collection's variables.
    await page.getByTestId('collection-menu-Hints').click()
    await page.getByRole('menuitem', { name: 'Settings' }).click()
    await page.getByTestId('settings-tab-variables').click()
    await eventually(() => page.getByTestId('settings-view').textContent()).toContain('kept with the collection unencrypted and go with it when you export it')
    expect(await page.getByTestId('settings-view').textContent()).not.toContain('sync')
    await addRequest(page, 'Hints', 'Hinted', '{{host}}/items')
    await page.getByTestId('req-tab-body').click()
    await page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await page.getByTestId('body-text').fill('{"key": "{{key}}", "other": "{{missing}}"}')
    // A plain input: its tooltip names each reference's value.
    await page.getByTestId('url').hover()
    await eventually(() => page.getByTestId('url').getAttribute('title')).toBe('{{host}} = https://api.test')
    // The body editor: a tooltip on the marked reference; a secret is never shown.
    await page.locator('.cm-variable', { hasText: '{{key}}' }).hover()
    await eventually(() => page.getByTestId('variable-tip').textContent()).toBe('{{key}} is a secret value (hidden here; sent as is)')
    await page.locator('.cm-variable', { hasText: '{{missing}}' }).hover()
    await eventually(() => page.getByTestId('variable-tip').textContent()).toBe('{{missing}} is not defined in the collection, the active environment or globals')
    await page.locator('.cm-variable', { hasText: '{{missing}}' }).hover()
    await screenshot(page, 'variable-hover')
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('reorders and moves requests by drag and drop and with Alt+arrow keys', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await createCollection(page, 'Sorted')
    for (const name of ['One', 'Two', 'Three']) await addRequest(page, 'Sorted', name, `https://x.example/${name}`)
    await page.getByTestId('collection-menu-Sorted').click()
    await page.getByRole('menuitem', { name: 'New folder' }).click()
    await answerPrompt(page, 'Box')
    const order = () => page.locator('[data-collection-body] .tree-row .label-text').allTextContents()
    await eventually(order).toEqual(['One', 'Two', 'Three', 'Box'])

    // Drop "Three" on the upper edge of "One": it goes first.
    const one = treeRequest(page, 'GET', 'One')
    await treeRequest(page, 'GET', 'Three').dragTo(one, { targetPosition: { x: 40, y: 2 } })
    await eventually(order).toEqual(['Three', 'One', 'Two', 'Box'])

    // Drop "Two" in the middle of the folder: it moves inside (shown once the folder opens).
    await treeRequest(page, 'GET', 'Two').dragTo(page.getByRole('treeitem', { name: 'Folder Box' }))
    await eventually(order).toEqual(['Three', 'One', 'Box'])
    await page.getByRole('treeitem', { name: 'Folder Box' }).click()
    await eventually(order).toEqual(['Three', 'One', 'Box', 'Two'])

    // Keyboard: focus "One", Alt+ArrowUp moves it above "Three".
    await treeRequest(page, 'GET', 'One').focus()
    await page.keyboard.press('Alt+ArrowUp')
    await eventually(order).toEqual(['One', 'Three', 'Box', 'Two'])
    await page.reload()
    await eventually(order).toEqual(['One', 'Three', 'Box', 'Two'])
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('highlights a GraphQL body (keywords, names, $variables, strings, comments) and keeps {{variables}} marked', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await createCollection(page, 'Graph')
    await addRequest(page, 'Graph', 'Users', 'https://api.test/graphql', 'POST')
    await page.getByTestId('req-tab-body').click()
    await page.getByRole('radiogroup', { name: 'Body type' }).getByText('Raw', { exact: true }).click()
    await page.getByLabel('Body language').selectOption('graphql')
    await page.getByTestId('body-text').fill('# the first page\nquery Users($first: Int = 10) {\n  users(first: $first, team: "{{team}}") @cached {\n    id\n    ...UserParts\n  }\n}')
    const body = page.getByTestId('body-text')
    await eventually(() => body.innerText()).toContain('...UserParts')
    // Each kind of token is drawn in its own colour: the colour of the span that reads each text.
    const colours = await body.evaluate((el) => Object.fromEntries([...el.querySelectorAll('span')].map((span) => [span.textContent ?? '', getComputedStyle(span).color])))
    const plain = await body.evaluate((el) => getComputedStyle(el.querySelector('.cm-line')!).color)
    const kinds = ['query', '$first', '# the first page', '"', '10', 'Int']
    for (const token of kinds) expect(colours[token], token).toBeDefined()
    expect(new Set(kinds.map((t) => colours[t])).size).toBeGreaterThanOrEqual(5)
    for (const token of kinds) expect(colours[token], token).not.toBe(plain)
    expect(await body.locator('.cm-variable').textContent()).toBe('{{team}}')
    // The choice is kept: the language reads back after a reload.
    await page.reload()
    await page.getByTestId('req-tab-body').click()
    await eventually(() => page.getByLabel('Body language').inputValue()).toBe('graphql')
    await screenshot(page.locator('.code-editor'), 'body-graphql')
    expect(errors).toEqual([])
    await page.context().close()
  }, 60_000)

  it('exports a collection as Postman v2.1 and imports it back with folders and requests', async () => {
    const { page, errors } = await device(suite.browser)
    await useLocally(page, suite.relay.url)
    await createCollection(page, 'Orders')
    await page.getByTestId('collection-menu-Orders').click()
    await page.getByRole('menuitem', { name: 'New folder' }).click()
    await answerPrompt(page, 'Admin')
    await page.getByTestId('item-menu-Admin').click()
    await page.getByRole('menuitem', { name: 'New request' }).click()
    await page.getByTestId('request-name').fill('Delete order')
    await page.getByTestId('url').fill('https://shop.example/orders/1')
    await page.getByTestId('method').selectOption('DELETE')
    await treeRequest(page, 'DELETE', 'Delete order').waitFor()

    const download = page.waitForEvent('download')
    await page.getByTestId('collection-menu-Orders').click()
    await page.getByTestId('export-collection').click()
    const file = await (await download).path()
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { info: { name: string; schema: string }; item: { name: string; item: { name: string; request: { method: string; url: { raw: string } } }[] }[] }
    expect(exported.info.name).toBe('Orders')
    expect(exported.info.schema).toContain('v2.1.0')
    expect(exported.item[0]).toMatchObject({ name: 'Admin', item: [{ name: 'Delete order', request: { method: 'DELETE', url: { raw: 'https://shop.example/orders/1' } } }] })

    exported.info.name = 'Orders (imported)'
    const chooser = page.waitForEvent('filechooser')
    await page.getByTestId('import-collection').click()
    await (await chooser).setFiles({ name: 'orders.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) })
    await page.getByRole('treeitem', { name: 'Collection Orders (imported)' }).waitFor()
    await page.getByRole('treeitem', { name: 'Folder Admin' }).nth(1).click()
    await eventually(() => treeRequest(page, 'DELETE', 'Delete order').count()).toBe(2)

    const bad = page.waitForEvent('filechooser')
    await page.getByTestId('import-collection').click()
    await (await bad).setFiles({ name: 'nope.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":1}') })
    await page.getByText('This is not a Postman collection').waitFor()
    expect(errors).toEqual([])
    await page.context().close()
  }, 90_000)

  it('fits a phone-sized window: the request editor and its response need no sideways scrolling', async () => {
    const { page, errors } = await device(suite.browser, { width: 390, height: 844 })
    await useLocally(page, suite.relay.url)
    await page.getByTestId('home-new-collection').click()
    await answerPrompt(page, 'Phone')
    await page.getByTestId('url').fill(`${api.url}/pets`)
    await page.getByTestId('send').click()
    await eventually(() => page.getByTestId('response-status').textContent()).toContain('200')
    // Rows too wide for the window (the request's tabs) scroll on their own, not the page.
    expect(await page.locator('#main-pane').evaluate((pane) => pane.scrollWidth - pane.clientWidth)).toBe(0)
    // The response's status line (status, time, size, which way, settings) wraps: all of it in view, nothing to scroll to.
    const responseBar = page.getByRole('region', { name: 'Response' }).getByRole('tablist')
    expect(await responseBar.evaluate((bar) => bar.scrollWidth - bar.clientWidth)).toBe(0)
    for (const id of ['response-status', 'response-time', 'response-size', 'response-via', 'send-settings']) {
      const box = await page.getByTestId(id).boundingBox()
      expect(box && box.x >= 0 && box.x + box.width <= 390, id).toBe(true)
    }
    await screenshot(page, 'phone-request')
    expect(errors).toEqual([])
    await page.context().close()
  }, 60_000)
})
