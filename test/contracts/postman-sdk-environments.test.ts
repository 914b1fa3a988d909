/**
 * Postman's own SDK (`postman-collection`, what Newman and Postman's runtime use) against
 * Ferry's environment and globals files, both ways: what Ferry exports loads as a
 * `VariableScope` with every value, type and disabled flag, and a scope the SDK writes (as
 * `newman --export-environment` does) reads in Ferry and comes back unchanged.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import postman from 'postman-collection'
import { describe, expect, it } from 'vitest'
import { readPostmanScope, writePostmanScope, type PostmanScope } from '../../packages/schema/src/index.ts'

const fixtures = join(import.meta.dirname, '../../packages/schema/src/fixtures/postman-env')
const stamp = { exportedAt: '2025-01-01T00:00:00.000Z', exportedUsing: 'Ferry/0.1.0' }

function read(json: unknown): PostmanScope {
  const result = readPostmanScope(json)
  if (!result.ok) throw new Error(result.error.message)
  return result.value
}

describe("Postman's SDK and Ferry's environment files", () => {
  it('loads what Ferry exports: ids, names, values', () => {
    const scope = read(JSON.parse(readFileSync(join(fixtures, 'staging.postman_environment.json'), 'utf8')))
    const file = writePostmanScope('environment', { id: 'x', name: scope.name, postman: scope.postman!, variables: scope.variables, ...stamp })
    const sdk = new postman.VariableScope(file)
    expect(sdk.id).toBe('5f1c2a9e-3b7d-4c61-9a0e-7d2b8c4f6a13')
    expect(sdk.name).toBe('Staging')
    expect(sdk.get('baseUrl')).toBe('https://staging.api.example.com')
    expect(sdk.get('apiKey')).toBe('sk_test_4f9a1c77e2b04d')
    // The SDK knows no 'secret' type (it reads it as 'any'); the Postman app does: it is in the file.
    expect(file.values[1]).toMatchObject({ key: 'apiKey', type: 'secret' })
    expect(sdk.toObject(false, false)).toEqual({ baseUrl: 'https://staging.api.example.com', apiKey: 'sk_test_4f9a1c77e2b04d', legacyHost: 'http://10.0.0.12:8080', note: '' })

    const made = writePostmanScope('globals', { id: 'g', name: 'Globals', variables: [{ key: 'a', value: '1', enabled: true, secret: true }], ...stamp })
    expect(new postman.VariableScope(made as unknown as postman.VariableScope.definition).get('a')).toBe('1')
  })

  it('reads a scope the SDK writes and writes it back unchanged', () => {
    const sdk = new postman.VariableScope({ id: 'env-1', name: 'From Newman', values: [
      { key: 'host', value: 'localhost', type: 'string' },
      { key: 'port', value: 8080, type: 'number' },
      { key: 'off', value: 'x', disabled: true },
    ] } as unknown as postman.VariableScope.definition)
    const json = { ...JSON.parse(JSON.stringify(sdk.toJSON())), _postman_variable_scope: 'environment' } as Record<string, unknown>
    const scope = read(json)
    expect(scope.variables.map((v) => [v.key, v.value, v.enabled])).toEqual([['host', 'localhost', true], ['port', '8080', true], ['off', 'x', false]])
    const back = writePostmanScope('environment', { id: 'ignored', name: scope.name, postman: scope.postman!, variables: scope.variables, ...stamp })
    expect(back).toEqual({ ...json, _postman_exported_at: stamp.exportedAt, _postman_exported_using: stamp.exportedUsing })
    const loaded = new postman.VariableScope(back)
    expect(loaded.get('port')).toBe(8080)
    // The SDK's own flag (`disabled`, where the app writes `enabled`) survives, so the variable stays off.
    expect(loaded.toObject(true, false)).not.toHaveProperty('off')
  })
})
