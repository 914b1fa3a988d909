/**
 * The account the issue 14 measurements open (idle-account-memory.ts, mux-open-measure.ts):
 * 300 docs — workspace, environments, history and 297 collections of 20 requests, each
 * collection with an edit and a deletion so its state carries a delete set.
 */
import * as Y from 'yjs'
import { docName, type DocName } from '@ferry/protocol'

export const BIG_ACCOUNT_DOCS = 300

export function bigAccountNames(user: string): DocName[] {
  const fixed = [docName(user, 'workspace'), docName(user, 'environments'), docName(user, 'history')]
  return [...fixed, ...Array.from({ length: BIG_ACCOUNT_DOCS - fixed.length }, (_, i) => docName(user, 'collection', `c${i}`))]
}

/** The content of the account's `i`th doc. */
export function bigAccountContent(i: number): Y.Doc {
  const doc = new Y.Doc()
  const items = doc.getMap('items')
  for (let r = 0; r < 20; r++) {
    const item = new Y.Map<unknown>()
    item.set('name', new Y.Text(`Request ${r} of ${i}`))
    item.set('url', new Y.Text(`https://api.example.test/v1/things/${r}?page=1`))
    item.set('method', 'GET')
    items.set(`r${r}`, item)
  }
  ;(items.get('r0') as Y.Map<Y.Text>).get('url')!.delete(0, 8)
  items.delete('r19')
  return doc
}
