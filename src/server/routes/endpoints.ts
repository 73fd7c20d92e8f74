// What the coordinator can reach: endpoints, sites, agents, and a listing of a directory on an endpoint.
import type { CoordinatorApi } from '../coordinator-api.js';
import type { TypedApp } from '../typed-app.js';
import { AgentSchema, EndpointParams, EndpointSchema, ERROR_RESPONSES, ListingSchema, listOf, LsQuery, SiteSchema } from '../schemas.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** Code-unit order, not the locale's: the same on every host, and what `ls` of a sorted tree shows. */
const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function endpointRoutes(app: TypedApp, api: CoordinatorApi): void {
  app.get('/api/endpoints', {
    schema: {
      operationId: 'listEndpoints', summary: 'Endpoints: named storage roots', tags: ['endpoints'],
      description: 'The endpoints of the configuration: name, kind, path, whether it may be written, its site.',
      response: { 200: listOf(EndpointSchema), ...ERROR_RESPONSES },
    },
  }, () => ({ items: api.endpoints() }));

  app.get('/api/sites', {
    schema: {
      operationId: 'listSites', summary: 'Sites and their endpoints', tags: ['endpoints'],
      description: 'The sites of the configuration, each with the endpoints that live there.',
      response: { 200: listOf(SiteSchema), ...ERROR_RESPONSES },
    },
  }, () => ({ items: api.sites() }));

  app.get('/api/agents', {
    schema: {
      operationId: 'listAgents', summary: 'Agents known to the coordinator', tags: ['endpoints'],
      description: 'Every agent in the table, alive or lost by the placement rule, with its endpoints, slots and running tasks.',
      response: { 200: listOf(AgentSchema), ...ERROR_RESPONSES },
    },
  }, async () => {
    const agents = await api.agents();
    return {
      items: agents.map(({ lostSince, ...a }) => ({
        ...a, startedAt: iso(a.startedAt), lastSeen: iso(a.lastSeen), ...(lostSince === undefined ? {} : { lostSince: iso(lostSince) }),
      })),
    };
  });

  app.get('/api/endpoints/:name/ls', {
    schema: {
      operationId: 'listEndpointPath', summary: 'List a directory (or one file) of an endpoint, sorted by name', tags: ['endpoints'],
      description: 'Read on the coordinator\'s host with a built-in agent, else on a live agent that serves the endpoint.',
      params: EndpointParams, querystring: LsQuery, response: { 200: ListingSchema, ...ERROR_RESPONSES },
    },
  }, async (req) => {
    const { path = '/' } = req.query;
    const items = await api.ls(req.params.name, path);
    return { endpoint: req.params.name, path, items: [...items].sort(byName) };
  });
}
