// Turns every failure of a route into the one error body of docs/api.md, {error: {code, message}},
// with the HTTP status core/error-codes.ts gives its BargeError code; schema failures name the field.
import { databaseUnavailable } from '../state/database-unavailable.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { isBargeError } from '../core/errors.js';
import { ERROR_CODES, isExposed } from '../core/error-codes.js';

export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string } };
}

function answer(status: number, code: string, message: string): ErrorAnswer {
  return { status, body: { error: { code, message } } };
}

/** "body/priority must be <= 10": ajv leaves the field out of the path for missing and unknown properties, so put it back. */
function describe(e: FastifySchemaValidationError, dataVar: string): string {
  const at = `${dataVar}${e.instancePath}`;
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') return `${at}/${e.params.missingProperty} is required`;
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    return `${at}/${e.params.additionalProperty} is not allowed (unknown property)`;
  }
  if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
    return `${at} must be one of ${e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${at} ${e.message ?? `fails ${e.keyword}`}`;
}

/** fastify's schemaErrorFormatter: the message reaches the client as is (see errorAnswer). */
export function formatSchemaErrors(errors: FastifySchemaValidationError[], dataVar: string): Error {
  return new Error(errors.map((e) => describe(e, dataVar)).join('; '));
}

function isObject(e: unknown): e is Record<string, unknown> {
  return typeof e === 'object' && e !== null;
}

/** The status and body for anything a route threw; `internal` is true when it is a bug to be logged. */
export function errorAnswer(err: unknown): ErrorAnswer & { internal: boolean } {
  if (isBargeError(err)) {
    if (isExposed(err.code)) return { ...answer(ERROR_CODES[err.code].httpStatus, err.code, err.message), internal: false };
    // a BargeError with a code the API does not expose (E_IO while listing, say): its message is for people, keep it
    return { ...answer(500, 'E_INTERNAL', `${err.code}: ${err.message}`), internal: true };
  }
  const away = databaseUnavailable(err);
  if (away) return { ...answer(503, away.code, away.message), internal: false };
  if (isObject(err) && err.validation !== undefined && typeof err.message === 'string') {
    return { ...answer(400, 'E_BAD_INPUT', err.message), internal: false };
  }
  // fastify's own refusals before a handler runs: bad JSON (400), body too large (413), unknown content type (415)
  const status = isObject(err) && typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500 && isObject(err) && typeof err.message === 'string') {
    return { ...answer(status, 'E_BAD_INPUT', err.message), internal: false };
  }
  return { ...answer(500, 'E_INTERNAL', 'internal error (the coordinator logged it)'), internal: true };
}

/** fastify's frameworkErrors: a URL the router refuses (bad encoding, a parameter too long) gets the same body. */
export function frameworkErrorReply(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  const a = errorAnswer(err);
  void reply.status(a.status).send(a.body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, req, reply) => {
    const a = errorAnswer(err);
    if (a.internal) req.log.error({ err }, 'request failed');
    const r = reply.status(a.status);
    return (a.status === 401 ? r.header('www-authenticate', 'Bearer') : r).send(a.body);
  });
  app.setNotFoundHandler((req, reply) => {
    const a = answer(404, 'E_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`);
    return reply.status(a.status).send(a.body);
  });
}
