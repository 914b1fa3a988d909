/** Own-property lookup in a table of the account file, so a key can never reach `Object.prototype`. */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}
