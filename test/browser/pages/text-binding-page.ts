/**
 * What the text-binding suite loads into a blank page: the demo's binding and the Yjs it
 * binds with (one bundle, so relative positions and docs come from the same Yjs).
 */
export { bindText } from '../../../demo/src/ui/text-binding.ts'
export * as Y from 'yjs'
