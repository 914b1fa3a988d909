/**
 * A failure of work no caller awaits — a token refresh on a timer, opening the next account's
 * workspace after another tab switched — so there is nobody to throw to. The client emits it
 * (`FerryClient.onError`) instead of dropping it: an app logs it or tells the user (a full
 * disk — IndexedDB's QuotaExceededError — must not vanish).
 */
export interface BackgroundError {
  /** What was being done, as a phrase: "refreshing the session". */
  readonly during: string
  readonly error: unknown
}
