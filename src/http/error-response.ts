// The one shape of every error answer, for the app's error handler and for errors written into an
// event stream after its headers are gone. Client errors keep their message; unexpected 5xx text
// is hidden (it is logged instead); 503 and 504 say what happened, because the client can act on it.
import { STATUS_CODES } from 'node:http';
import type { FastifyError } from 'fastify';

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

export function statusOf(error: Partial<FastifyError>): number {
  return error.validation ? 400 : (error.statusCode ?? 500);
}

/** Seconds a client should wait before retrying after this 503: the error's own estimate, else 1. */
export function retryAfterOf(error: Error): number {
  return 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : 1;
}

/** True for errors whose text is internal: logged, never shown. */
export function isHidden(status: number): boolean {
  return status >= 500 && status !== 503 && status !== 504;
}

export function errorBody(error: Partial<FastifyError> & { message: string }): ErrorBody {
  const status = statusOf(error);
  if (isHidden(status)) {
    return { statusCode: status, code: error.code ?? 'INTERNAL', error: 'Internal Server Error', message: 'The server failed to generate this image; the error is logged' };
  }
  const code = error.validation ? 'INVALID_REQUEST' : (error.code ?? 'BAD_REQUEST');
  return { statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message: error.message };
}

/**
 * The raw answer to a request Node's HTTP parser rejects before Fastify sees it (bad request line,
 * oversized or invalid headers): the same JSON error shape, then the connection closes.
 */
export function clientErrorResponse(parserCode: string | undefined): string {
  const tooLarge = parserCode === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const reason = STATUS_CODES[status]!;
  const body = JSON.stringify({
    statusCode: status,
    code: tooLarge ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST',
    error: reason,
    message: tooLarge ? 'The request headers are too large' : `The HTTP request could not be parsed (${parserCode ?? 'unknown error'})`,
  });
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
