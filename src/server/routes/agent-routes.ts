// The calls of agents on other hosts: enrol, lease (a long poll), report, heartbeat,
// leave. Every call after the enrolment sends the secret it got (x-barge-agent-secret): a
// missing or wrong one is 403 E_AUTH. Tasks carry nanosecond times as bigints, so these
// bodies travel as application/x-barge+json: JSON with bigints written as {"$big":"…"}
// (docs/api.md), checked against the TypeBox schemas like every other body.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AGENT_SECRET_HEADER, packLease, type EnrolBody, type TaskReport } from '../../core/agent-wire.js';
import type { CoordinatorApi } from '../coordinator-api.js';
import { BargeError } from '../../core/errors.js';
import { parseWithBigints, stringifyWithBigints } from '../../core/json-bigint.js';
import type { TypedApp } from '../typed-app.js';
import { ERROR_RESPONSES } from '../schemas.js';

export const AGENT_CONTENT_TYPE = 'application/x-barge+json';

const Name = Type.String({ minLength: 1, maxLength: 256 });
const AgentId = Type.Object({ agentId: Name });
const EnrolSchema = Type.Object({
  protocol: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 << 20 })),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  name: Name, site: Name, endpoints: Type.Array(Type.String(), { minItems: 1 }), slots: Type.Integer({ minimum: 0, maximum: 1024 }),
  dataAddress: Type.Optional(Name),
  dataTls: Type.Optional(Type.Boolean()),
});
const LeaseSchema = Type.Object({ agentId: Name, capacity: Type.Integer({ minimum: 0, maximum: 4096 }), waitMs: Type.Integer({ minimum: 0, maximum: 60_000 }) });
const ReportSchema = Type.Object({ agentId: Name, reports: Type.Array(Type.Object({ taskId: Type.Integer(), result: Type.Object({}) })) });
const HeartbeatSchema = Type.Object({
  agentId: Name,
  running: Type.Integer({ minimum: 0, maximum: 1 << 20 }),
  /** the tasks the agent holds: only their leases are renewed */
  held: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 1 << 16 })),
});
const tags = ['agents'];

/**
 * Every agent call answers application/x-barge+json (its own serializer, send() below), or the
 * error body of every route: 401/403 E_AUTH when the token or the agent's secret is wrong.
 */
function agentSchema(operationId: string, summary: string, description: string, reply: string): Record<string, unknown> {
  return {
    operationId, summary, description, tags,
    response: {
      200: { description: reply, content: { [AGENT_CONTENT_TYPE]: { schema: Type.Object({}, { additionalProperties: true }) } } },
      ...ERROR_RESPONSES,
    },
  };
}

function send(reply: FastifyReply, value: unknown): FastifyReply {
  return reply.type(AGENT_CONTENT_TYPE).send(stringifyWithBigints(value));
}

export function agentRoutes(app: TypedApp, api: CoordinatorApi): void {
  app.addContentTypeParser(AGENT_CONTENT_TYPE, { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => {
    try {
      const v = parseWithBigints<unknown>(body as string);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BargeError('E_BAD_INPUT', 'the body must be a JSON object');
      done(null, v);
    } catch (e) {
      done(e instanceof BargeError ? e : new BargeError('E_BAD_INPUT', 'the body is not valid JSON'), undefined);
    }
  });

  app.post('/api/agent/enrol', {
    schema: {
      ...agentSchema('agentEnrol', 'An agent joins: its endpoints and data address',
        'Takes the agent\'s name (a second process under a live name is refused) and answers the secret its later calls carry.',
        'agentId, agentSecret, grantKey, leaseMs, heartbeatMs, endpoints'),
      body: EnrolSchema,
    },
  }, async (req, reply) => {
    const { dataAddress, dataTls, protocol, version, ...rest } = req.body;
    const enrol: EnrolBody = {
      ...rest, ...(dataAddress === undefined ? {} : { dataAddress }), ...(dataTls === true ? { dataTls } : {}),
      ...(protocol === undefined ? {} : { protocol }), ...(version === undefined ? {} : { version }),
    };
    const joined = await api.agentEnrol(enrol);
    req.log.info({ agent: joined.agentId, site: enrol.site, endpoints: enrol.endpoints, dataAddress, from: req.ip, token: req.tokenName, version },
      `agent ${joined.agentId} joined from ${req.ip} (site ${enrol.site}; endpoints ${enrol.endpoints.join(', ')}; ${enrol.slots} slots; barge ${version ?? 'unknown'})`);
    return send(reply, joined);
  });

  app.post('/api/agent/lease', {
    schema: {
      ...agentSchema('agentLease', 'Tasks for an agent (a long poll)',
        'Answers as soon as there is work for the agent\'s free slots, or with none after waitMs.', 'the leased tasks'),
      body: LeaseSchema,
    },
  }, (req, reply) => {
    return asAgent(reply, async () => packLease(await api.agentLease(req.body.agentId, secretOf(req), req.body.capacity, req.body.waitMs)));
  });

  app.post('/api/agent/report', {
    schema: { ...agentSchema('agentReport', 'Results of finished tasks', 'Each task\'s result; the coordinator turns it into the request\'s counts and errors.', 'an empty object'), body: ReportSchema },
  }, (req, reply) => {
    return asAgent(reply, async () => { await api.agentReport(req.body.agentId, secretOf(req), req.body.reports as unknown as TaskReport[]); return {}; });
  });

  app.post('/api/agent/heartbeat', {
    schema: {
      ...agentSchema('agentHeartbeat', 'An agent is alive; answers the requests canceled since',
        'Renews the leases of the tasks the agent holds.', 'canceled: the ids of requests canceled since the last heartbeat'),
      body: HeartbeatSchema,
    },
  }, (req, reply) => {
    return asAgent(reply, () => api.agentHeartbeat(req.body.agentId, secretOf(req), req.body.running, req.body.held));
  });

  app.post('/api/agent/leave', {
    schema: { ...agentSchema('agentLeave', 'An agent leaves; its leases go back to the queue', 'A drained agent says it goes; its leases go back to the queue.', 'an empty object'), body: AgentId },
  }, (req, reply) => {
    return asAgent(reply, async () => {
      await api.agentLeave(req.body.agentId, secretOf(req));
      req.log.info({ agent: req.body.agentId }, `agent ${req.body.agentId} left (drained; its leases went back to the queue)`);
      return {};
    });
  });
}

/** the secret the agent's enrolment got, as its calls send it */
function secretOf(req: FastifyRequest): string | undefined {
  const v = req.headers[AGENT_SECRET_HEADER];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * A call that names an agent. The bearer token passed (a wrong one is 401 before any route
 * runs), so an E_AUTH here is the coordinator refusing to let this caller act as that agent:
 * 403, as for a token whose role does not allow the route, and the code stays E_AUTH so the
 * agent knows to enrol again.
 */
async function asAgent(reply: FastifyReply, call: () => Promise<unknown>): Promise<FastifyReply> {
  try {
    return send(reply, await call());
  } catch (e) {
    if (e instanceof BargeError && e.code === 'E_AUTH') return reply.status(403).send({ error: { code: e.code, message: e.message } });
    throw e;
  }
}
