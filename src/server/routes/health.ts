// GET /healthz: the one route without a token, for load balancers and service managers;
// 503 when the database does not answer, so traffic moves to another coordinator.
import type { CoordinatorApi } from '../coordinator-api.js';
import type { TypedApp } from '../typed-app.js';
import { HealthSchema } from '../schemas.js';

export function healthRoutes(app: TypedApp, api: CoordinatorApi): void {
  app.get('/healthz', {
    config: { public: true },
    schema: {
      operationId: 'getHealth', summary: 'Is the coordinator and its database up? (no token)', tags: ['health'], security: [],
      description: '200 when the database answers, 503 when it does not (or refused a write in the last seconds), for load balancers and service managers.',
      response: { 200: HealthSchema, 503: HealthSchema },
    },
  }, async (req, reply) => {
    try {
      const h = await api.health();
      return reply.status(h.ok ? 200 : 503).send(h);
    } catch (e) {
      // the details stay in the log: this route answers anyone
      req.log.warn({ err: e }, 'health check failed');
      return reply.status(503).send({ ok: false, db: 'unknown', message: 'the health check failed (the coordinator logged why)' });
    }
  });
}
