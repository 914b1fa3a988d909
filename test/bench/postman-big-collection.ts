/**
 * A large, realistic Postman v2.1 collection for postman-import.bench.ts: 50 folders of 4
 * subfolders, each request with scripts, headers (some described or disabled), query and path
 * parameters, a JSON body, auth on some, and a saved response; collection-level variables,
 * auth and scripts; folder descriptions, scripts and variables.
 */
const script = (listen: string, lines: string[]): unknown => ({ listen, script: { type: 'text/javascript', exec: lines } })

function request(f: number, s: number, r: number): unknown {
  const n = (f * 4 + s) * 50 + r
  const id = `${f}-${s}-${r}`
  const method = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'][n % 5]!
  const body = {
    id: n,
    sku: `SKU-${String(n).padStart(6, '0')}`,
    name: `Product ${id} with a reasonably descriptive name`,
    tags: ['catalog', `group-${f}`, `subgroup-${s}`],
    price: { amount: (n % 997) + 0.99, currency: 'EUR' },
  }
  const raw = `{{baseUrl}}/v2/groups/${f}/items/:itemId?page=${r % 7}&limit=50&sort=-createdAt`
  return {
    name: `${method} item ${id}`,
    event: [
      script('prerequest', [`pm.variables.set("item", "${id}");`]),
      script('test', [
        'pm.test("status is 2xx", function () {',
        '    pm.expect(pm.response.code).to.be.within(200, 299);',
        '});',
        'pm.test("body has an id", function () {',
        '    pm.expect(pm.response.json()).to.have.property("id");',
        '});',
      ]),
    ],
    request: {
      method,
      header: [
        { key: 'Accept', value: 'application/json' },
        { key: 'Content-Type', value: 'application/json', description: 'The body is JSON.' },
        { key: 'X-Request-Id', value: '{{requestId}}' },
        { key: 'X-Tenant', value: `tenant-${f % 9}`, disabled: n % 3 === 0 },
      ],
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: { mode: 'raw', raw: JSON.stringify(body, null, 2), options: { raw: { language: 'json' } } } }),
      url: {
        raw,
        host: ['{{baseUrl}}'],
        path: ['v2', 'groups', `${f}`, 'items', ':itemId'],
        query: [
          { key: 'page', value: `${r % 7}` },
          { key: 'limit', value: '50', description: 'Page size, at most 100.' },
          { key: 'sort', value: '-createdAt', disabled: n % 4 === 0 },
        ],
        variable: [{ key: 'itemId', value: `${n}`, description: 'The item to act on.' }],
      },
      ...(n % 10 === 0 ? { auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{adminToken}}', type: 'string' }] } } : {}),
      description: `Acts on item ${id}. Returns the item as JSON; fails with 404 when it does not exist.`,
    },
    response: [
      {
        name: `${method} item ${id}: OK`,
        originalRequest: { method, header: [], url: raw },
        status: 'OK',
        code: 200,
        _postman_previewlanguage: 'json',
        header: [
          { key: 'Content-Type', value: 'application/json; charset=utf-8' },
          { key: 'ETag', value: `W/"${n.toString(16)}"` },
        ],
        cookie: [],
        body: JSON.stringify({ ...body, createdAt: '2026-12-01T10:00:00Z' }),
      },
    ],
  }
}

/** A realistic Postman v2.1 collection of `requests` requests (a multiple of 200). */
export function bigPostmanCollection(requests: number): unknown {
  const item = []
  for (let f = 0; f < 50; f++) {
    const subfolders = []
    for (let s = 0; s < 4; s++) {
      const items = []
      for (let r = 0; r < requests / 200; r++) items.push(request(f, s, r))
      subfolders.push({ name: `Subgroup ${f}.${s}`, description: `Requests of subgroup ${s}.`, item: items })
    }
    item.push({
      name: `Group ${f}`,
      description: { content: `Everything about group ${f}.`, type: 'text/markdown' },
      event: [script('prerequest', [`pm.variables.set("group", "${f}");`])],
      variable: [{ key: 'group', value: `${f}` }],
      item: subfolders,
    })
  }
  return {
    info: { _postman_id: '8c0f5c3e-1f5e-4c47-9a61-0d3b1c2e4f50', name: 'Catalog API (benchmark)', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
    auth: { type: 'apikey', apikey: [{ key: 'key', value: 'X-Api-Key', type: 'string' }, { key: 'value', value: '{{apiKey}}', type: 'string' }] },
    event: [script('prerequest', ['console.log("collection pre-request");'])],
    variable: [
      { key: 'baseUrl', value: 'https://api.example.com' },
      { key: 'token', value: '' },
    ],
    item,
  }
}
