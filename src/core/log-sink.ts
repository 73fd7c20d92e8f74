// Where the long-running parts (the agent's loops, the coordinator's wiring) send log lines:
// the shape of a pino logger's methods, so that cli hands them one; core and agent need not
// know pino.

export interface LogSink {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** a LogSink that drops everything (unit tests, callers that log elsewhere) */
export const NO_LOG: LogSink = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
