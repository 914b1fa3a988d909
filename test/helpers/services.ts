/**
 * Suites that need an outside service (PostgreSQL, Redis) skip with a clear message where it
 * is absent. Under CI (`CI` set) the service must be there, so its absence fails the run
 * instead of quietly skipping what CI exists to check.
 */
export function skipUnless(service: string, unavailable: string | null): boolean {
  if (unavailable === null) return false
  if (process.env.CI) throw new Error(`${service} is required under CI: ${unavailable}`)
  console.warn(`${service} suite skipped: ${unavailable}`)
  return true
}
