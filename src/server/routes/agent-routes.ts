// The calls of agents on other hosts: enrol, lease (a long poll), report, heartbeat,
// leave. Tasks carry nanosecond times as bigints, so these bodies travel as
// application/x-barge+json: JSON with bigints written as {"$big":"…"} (docs/api.md).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { LeasedWork, TaskReport } from '../../agent/agent-link.js';
import type { CoordinatorApi } from '../../coordinator/coordinator-api.js';
import type { EnrolBody } from '../../coordinator/remote-agents.js';
import { BargeError } from '../../core/errors.js';
import { parseWithBigints, stringifyWithBigints } from '../../core/json-bigint.js';

export const AGENT_CONTENT_TYPE = 'application/x-barge+json';

type Body = Record<string, unknown>;

function field<T>(b: Body, name: string, check: (v: unknown) => boolean, what: string): T {
  const v = b[name];
  if (!check(v)) throw new BargeError('E_BAD_INPUT', `body/${name} must be ${what}`);
  return v as T;
}
const str = (b: Body, n: string): string => field<string>(b, n, (v) => typeof v === 'string' && v !== '' && v.length <= 256, 'a non-empty string');
const int = (b: Body, n: string, max: number): number => field<number>(b, n, (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max, `an integer from 0 to ${max}`);

function send(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type(AGENT_CONTENT_TYPE).send(stringifyWithBigints(value));
}

export function agentRoutes(app: FastifyInstance, api: CoordinatorApi): void {
  app.addContentTypeParser(AGENT_CONTENT_TYPE, { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => {
    try {
      const v = parseWithBigints<unknown>(body as string);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BargeError('E_BAD_INPUT', 'the body must be a JSON object');
      done(null, v);
    } catch (e) {
      done(e instanceof BargeError ? e : new BargeError('E_BAD_INPUT', 'the body is not valid JSON'), undefined);
    }
  });

  app.post('/api/agent/enrol', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const endpoints = field<string[]>(b, 'endpoints', (v) => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'), 'a list of endpoint names');
    const enrol: EnrolBody = { name: str(b, 'name'), site: str(b, 'site'), endpoints, slots: int(b, 'slots', 1024) };
    if (b.dataAddress !== undefined) enrol.dataAddress = str(b, 'dataAddress');
    return send(reply, await api.agentEnrol(enrol));
  });

  app.post('/api/agent/lease', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const work: LeasedWork[] = await api.agentLease(str(b, 'agentId'), int(b, 'capacity', 4096), int(b, 'waitMs', 60_000));
    return send(reply, { work });
  });

  app.post('/api/agent/report', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const reports = field<TaskReport[]>(b, 'reports', (v) => Array.isArray(v) && v.every((r: unknown) =>
      r !== null && typeof r === 'object' && Number.isInteger((r as Body).taskId) && typeof (r as Body).result === 'object'), 'a list of {taskId, result}');
    await api.agentReport(str(b, 'agentId'), reports);
    return send(reply, {});
  });

  app.post('/api/agent/heartbeat', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    return send(reply, await api.agentHeartbeat(str(b, 'agentId'), int(b, 'running', 1 << 20)));
  });

  app.post('/api/agent/leave', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    await api.agentLeave(str(b, 'agentId'));
    return send(reply, {});
  });
}
