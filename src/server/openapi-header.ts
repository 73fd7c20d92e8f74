// What the OpenAPI document says besides its routes: who serves it, under which license, the
// token it takes and its groups of routes. Each route's schema (routes/*.ts) gives the rest.
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';

type OpenApiHeader = NonNullable<FastifyDynamicSwaggerOptions['openapi']>;

/** the tags routes use, each with what it groups */
export const OPENAPI_TAGS = [
  { name: 'requests', description: 'Submit requests, follow them, act on them (docs/api.md, Requests)' },
  { name: 'endpoints', description: 'What the coordinator reaches: endpoints, sites, agents, directory listings' },
  { name: 'events', description: 'Changes of requests as they happen, as server-sent events' },
  { name: 'health', description: 'Health, Prometheus metrics and this document' },
  { name: 'agents', description: 'The calls of `barge agent --coordinator` (agent tokens): enrol, lease, report, heartbeat, leave' },
];

export function openApiHeader(version: string): OpenApiHeader {
  return {
    info: {
      title: 'barge coordinator API', version,
      description: 'The HTTP API of `barge serve`. docs/api.md is the reference a person reads: roles, errors, every field.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      // a coordinator is run by its site: whoever runs it answers for its API, not barge's authors
      contact: { name: 'the operators of this coordinator' },
    },
    // relative: the coordinator that serves this document, at whatever address it was reached
    servers: [{ url: '/', description: 'the coordinator that serves this document' }],
    tags: OPENAPI_TAGS,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a token of the configuration ([[tokens]]); its role decides the routes it may call' } } },
    security: [{ bearer: [] }],
  };
}
