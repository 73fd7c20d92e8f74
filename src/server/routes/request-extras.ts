// Routes beside the request routes of requests.ts: a change of priority (admin) and the
// throughput samples the dashboard's charts read (of one request, or of all together).
import { Type } from 'typebox';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/request-states.js';
import type { CoordinatorApi } from '../coordinator-api.js';
import { actorOf, askedBy } from '../auth.js';
import { ERROR_RESPONSES, RequestIdParams, RequestViewSchema } from '../schemas.js';
import type { TypedApp } from '../typed-app.js';

const PriorityBody = Type.Object({
  priority: Type.Integer({ minimum: MIN_PRIORITY, maximum: MAX_PRIORITY, description: `${MIN_PRIORITY} (lowest) to ${MAX_PRIORITY}` }),
}, { additionalProperties: false });

export const ThroughputSampleSchema = Type.Object({
  t: Type.Number({ description: 'epoch milliseconds' }),
  bytes: Type.Number({ description: 'bytes copied so far (resumed ones included)' }),
  files: Type.Number({ description: 'files done so far: copied, up to date or failed' }),
  rate: Type.Number({ description: 'bytes per second since the sample before; 0 once the request stopped' }),
});
const SamplesAnswer = Type.Object({ items: Type.Array(ThroughputSampleSchema) });
const SamplesQuery = Type.Object({
  after: Type.Optional(Type.Number({ minimum: 0, description: 'only samples taken after this time (epoch ms)' })),
}, { additionalProperties: false });

export function requestExtraRoutes(app: TypedApp, api: CoordinatorApi): void {
  app.post('/api/requests/:id/priority', {
    schema: {
      summary: 'Change the priority of a request (admin)', operationId: 'setRequestPriority',
      description: 'from queued, running, finalizing or paused; the dispatcher shares agents by priority from its next lease',
      tags: ['requests'], params: RequestIdParams, body: PriorityBody, response: { 200: RequestViewSchema, ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const view = await api.setPriority(req.params.id, req.body.priority, actorOf(req));
    req.log.info({ request: view.id, action: 'priority', priority: view.priority, token: req.tokenName },
      `request ${view.id}: priority ${view.priority} asked by ${askedBy(req)}`);
    return view;
  });

  app.get('/api/requests/:id/samples', {
    schema: {
      summary: "A request's throughput samples", operationId: 'getRequestSamples',
      description: 'sampled about once a second while the request runs or is paused; kept in memory, the last hour of the last 64 requests; a request that ends gets a last sample at rate 0',
      tags: ['requests'], params: RequestIdParams, querystring: SamplesQuery, response: { 200: SamplesAnswer, ...ERROR_RESPONSES },
    },
  }, async (req) => {
    await api.get(req.params.id); // an unknown id is 404, not an empty list
    return { items: api.samples(req.params.id, req.query.after ?? 0) };
  });

  app.get('/api/samples', {
    schema: {
      summary: 'The throughput of all requests together', operationId: 'getSamples',
      description: 'one sample a second since the coordinator started, kept in memory for the last hour; rate is the sum of the requests\' rates',
      tags: ['requests'], querystring: SamplesQuery, response: { 200: SamplesAnswer, ...ERROR_RESPONSES },
    },
  }, (req) => ({ items: api.samples(undefined, req.query.after ?? 0) }));
}
