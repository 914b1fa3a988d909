/**
 * Every error the relay answers with has a stable code and the shape
 * `{ "error": { "code": "...", "message": "..." } }`. Throw `httpError(...)` (or one of the
 * named factories) from a route; the error handler in `app.ts` renders it.
 */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
  }
}

export const httpError = (statusCode: number, code: string, message: string): HttpError =>
  new HttpError(statusCode, code, message)

export const badRequest = (message: string, code = 'bad_request'): HttpError => new HttpError(400, code, message)
export const unauthorized = (message = 'Sign in first.', code = 'unauthorized'): HttpError =>
  new HttpError(401, code, message)
export const forbidden = (message: string, code = 'forbidden'): HttpError => new HttpError(403, code, message)
export const notFound = (message: string, code = 'not_found'): HttpError => new HttpError(404, code, message)

export interface ErrorBody {
  error: { code: string; message: string }
}

export const errorBody = (code: string, message: string): ErrorBody => ({ error: { code, message } })
