export * from './result.ts'
export * from './doc-names.ts'
export * from './access.ts'
