/**
 * Notices for values this account's devices wrote at the same time, where one was kept and
 * the other lost ("Method changed to POST on another device; yours was PUT"), each with
 * Keep mine / Keep theirs (on the devices that did not write the lost value: "Use PUT" /
 * "Keep POST"). The list is read again whenever the doc changes; reading may be
 * asynchronous (variable values are decrypted first), and only the newest read is shown.
 */
import { h, type Scope } from './dom.ts'
import { icon } from './icons.ts'
import { toast } from './dialogs.ts'
import { describeError } from './form.ts'

export interface ConflictNotice {
  id: string
  /** What changed, e.g. "Method". */
  what: string
  /** The value in the doc now, and the one that lost to it. */
  theirs: string
  mine: string
  /**
   * Whether this page wrote the lost value: then it is "yours". Other devices of the account
   * (and this one after a reload) see the record said neutrally.
   */
  lostHere: boolean
}

/** A value short enough for a button label. */
const short = (value: string): string => (value.length > 24 ? `${value.slice(0, 23)}…` : value)

export interface ConflictSource {
  list(): ConflictNotice[] | Promise<ConflictNotice[]>
  resolve(id: string, keep: 'mine' | 'theirs'): void | Promise<void>
  observe(changed: () => void): () => void
  /** False when the doc may not be edited here: the notices are shown without the buttons. */
  readonly writable: boolean
}

export function conflictNotices(scope: Scope, source: ConflictSource): HTMLElement {
  const box = h('div', { class: 'conflicts', 'data-testid': 'conflicts' })
  let generation = 0
  const act = (id: string, keep: 'mine' | 'theirs') => {
    Promise.resolve(source.resolve(id, keep)).then(refresh, (error: unknown) => toast(describeError(error), 'error'))
  }
  const notice = (c: ConflictNotice) =>
    h('div', { class: 'alert alert-warn conflict', role: 'status', 'data-testid': 'conflict' }, icon('alert'),
      c.lostHere
        ? h('span', { class: 'grow' }, `${c.what} changed to `, h('strong', {}, c.theirs), ' on another device; yours was ', h('strong', {}, c.mine), '.')
        : h('span', { class: 'grow' }, `${c.what}: `, h('strong', {}, c.theirs), ' and ', h('strong', {}, c.mine), ' were set at the same time on two devices; ', h('strong', {}, c.theirs), ' was kept.'),
      source.writable
        ? h('span', { class: 'conflict-actions' },
            h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'keep-mine', onclick: () => act(c.id, 'mine') }, c.lostHere ? 'Keep mine' : `Use ${short(c.mine)}`),
            h('button', { type: 'button', class: 'btn btn-sm', 'data-testid': 'keep-theirs', onclick: () => act(c.id, 'theirs') }, c.lostHere ? 'Keep theirs' : `Keep ${short(c.theirs)}`))
        : null)
  function refresh(): void {
    const ticket = ++generation
    Promise.resolve(source.list()).then((notices) => {
      if (ticket !== generation || scope.disposed) return
      box.replaceChildren(...notices.map(notice))
    }, (error: unknown) => {
      if (ticket === generation && !scope.disposed) box.replaceChildren(h('div', { class: 'alert', role: 'alert' }, icon('alert'), h('span', {}, describeError(error))))
    })
  }
  refresh()
  scope.add(source.observe(refresh))
  return box
}

/** Shown instead of the edit controls' effect when a newer Ferry wrote the doc. */
export function newerSchemaNotice(): HTMLElement {
  return h('div', { class: 'alert alert-info', role: 'status', 'data-testid': 'newer-schema' }, icon('lock'),
    h('span', {}, 'This was changed by a newer version of Ferry — update to edit it.'))
}
