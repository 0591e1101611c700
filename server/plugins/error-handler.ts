/**
 * One error handler for the whole API: every error leaves as `{error: {code, message}}`.
 * Fastify's own errors (malformed JSON, body too large, wrong media type, schema
 * validation) are mapped to our codes; an unexpected error is a 500 whose message hides
 * internals (the request id ties it to the log).
 */
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CalendarError } from '../../calendars/errors.js';
import { isEngineError } from '../../engine/errors.js';
import { API_ERRORS, ApiError, errorBody, type ApiErrorCode } from '../errors.js';
import { InstantSchema, IsoDateSchema } from '../schemas/common.js';

interface Mapped {
  status: number;
  code: ApiErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Errors from other layers that carry their own code (engine, storage) can implement this shape. */
interface CodedError {
  code: string;
  status?: number;
  message: string;
  details?: Record<string, unknown>;
}

const CALENDAR_CODES: Record<CalendarError['code'], ApiErrorCode> = {
  calendar_year_unknown: 'calendar_year_unknown',
  calendar_not_found: 'not_found',
  invalid_date: 'invalid_request',
  invalid_instant: 'invalid_request',
  invalid_amount: 'invalid_request',
  calendar_data_invalid: 'internal_error',
};

/** A mapped error whose status is the code's status in the one table (server/errors.ts). */
function coded(code: ApiErrorCode, message: string, details?: Record<string, unknown>): Mapped {
  return { status: API_ERRORS[code].status, code, message, details };
}

/**
 * The shared formats by pattern: a value that does not match one is told the format
 * (description and example), not the regular expression.
 */
const FORMATS = new Map(
  // TypeBox types a string schema without its options; these two set all three.
  ([InstantSchema, IsoDateSchema] as unknown as { pattern: string; description: string; examples: string[] }[]).map(
    (schema) => [schema.pattern, `${schema.description}, e.g. ${schema.examples[0]}`],
  ),
);

function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0];
  if (!first) return error.message;
  const where = `${error.validationContext ?? 'request'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
  const params = first.params as Record<string, unknown> | undefined;
  if (first.keyword === 'additionalProperties' && params?.additionalProperty) {
    return `${where}: unknown field '${String(params.additionalProperty)}'; remove it.`;
  }
  if (first.keyword === 'required' && params?.missingProperty) {
    return `${where}: missing required field '${String(params.missingProperty)}'.`;
  }
  if (first.keyword === 'enum' && Array.isArray(params?.allowedValues)) {
    return `${where}: must be one of ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}.`;
  }
  const format = first.keyword === 'pattern' ? FORMATS.get(String(params?.pattern)) : undefined;
  if (format) return `${where}: expected ${format}.`;
  return `${where} ${first.message ?? 'is invalid'}.`;
}

export function mapError(error: unknown): Mapped {
  if (error instanceof ApiError) {
    return { status: error.status, code: error.code, message: error.message, details: error.details };
  }
  if (isEngineError(error)) {
    const details = Object.keys(error.details).length > 0 ? error.details : undefined;
    return { status: error.status, code: error.code, message: error.message, details };
  }
  if (error instanceof CalendarError) {
    return coded(CALENDAR_CODES[error.code], error.message, { reason: error.code, ...error.details });
  }
  const fe = error as FastifyError & Partial<CodedError>;
  if (fe.validation) return coded('invalid_request', validationMessage(fe));
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return coded('invalid_request', `The body is not valid JSON: ${fe.message}`);
    case 'FST_ERR_BAD_URL':
      return coded('invalid_request', 'The URL has an invalid percent-encoded component.');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return coded('invalid_request', 'A path parameter is longer than the server accepts (100 characters).');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return coded('payload_too_large', 'The body is larger than the server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return coded('unsupported_media_type', 'Send the body as application/json.');
    default:
      break;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode === 429) return coded('rate_limited', fe.message);
  // Other client errors Fastify raises (e.g. 406) keep Fastify's status under our generic code.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, code: 'invalid_request', message: fe.message };
  }
  return coded('internal_error', 'Internal error; nothing was written. Quote the request id when reporting it.');
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any hook or error
 * handler runs (a bad percent-encoding, a path parameter over `maxParamLength`). Without
 * it Fastify answers those with its own body shape (`{error, code, message, statusCode}`)
 * and a 414; pass it to `Fastify({ frameworkErrors })` so they get `{error: {code, message}}`.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const mapped = mapError(error);
  void reply.status(mapped.status).send(errorBody(mapped.code, mapped.message, mapped.details));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: mapped.code }, mapped.message);
    void reply.status(mapped.status).send(errorBody(mapped.code, mapped.message, mapped.details));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}; see /docs for the API.`));
  });
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before there is a
 * request (a bad request line, headers over the size limit, raw non-ASCII bytes in the
 * URL such as an unencoded Cyrillic query, a request that timed out) is answered on the
 * socket in the API's `{error: {code, message}}` shape instead of Fastify's
 * `{error, message, statusCode}`, then the connection is closed. No request id exists
 * yet; the log line (debug) carries the parser's code only, never the bytes sent.
 */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection: nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message = 'The request could not be parsed as HTTP/1.1: check the request line and headers; percent-encode non-ASCII characters of the URL.';
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = `The request headers are larger than the server accepts (${Math.round(maxHeaderSize / 1024)} KB in all); send fewer or shorter headers.`;
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'The request was not received in time; send it again.';
  }
  this.log.debug({ parserCode: error.code, status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(errorBody('invalid_request', message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
