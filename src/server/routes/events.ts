// GET /api/events: a server-sent event stream of request changes (`event: request`, data a
// RequestView), so the dashboard and `barge watch` need not poll.
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { CoordinatorApi } from '../coordinator-api.js';
import type { RequestView } from '../../core/request-types.js';
import { ERROR_RESPONSES } from '../schemas.js';
import type { TypedApp } from '../typed-app.js';

/** Proxies close a connection that has been quiet for a minute or so; a comment line every 15 s keeps it open. */
export const PING_MS = 15_000;
/** A client that reads slower than events come is cut off rather than buffered without end; it reconnects. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export function requestEvent(v: RequestView): string {
  return `event: request\ndata: ${JSON.stringify(v)}\n\n`;
}

/** The api's changes, streamed to one client until either side goes away; `open` holds it meanwhile. */
class EventStream {
  private ended = false;
  private ping: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly res: ServerResponse, private readonly open: Set<EventStream>) {}

  start(api: CoordinatorApi): void {
    this.open.add(this);
    this.res.on('close', () => this.end());
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // nginx buffers proxied answers unless told not to, which would hold events back
      'x-accel-buffering': 'no',
    });
    this.unsubscribe = api.onChange((v) => this.send(requestEvent(v)));
    // a first line flushes the headers: once the client sees it, it is subscribed and misses no change
    this.send(': connected\n\n');
    if (this.ended) this.unsubscribe(); // the client left (or fell behind) while subscribing
    else this.ping = setInterval(() => this.send(': ping\n\n'), PING_MS);
  }

  private send(text: string): void {
    if (this.ended) return;
    this.res.write(text);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.ping);
    this.unsubscribe?.();
    this.open.delete(this);
    this.res.end();
  }
}

export function eventRoutes(app: TypedApp, api: CoordinatorApi): void {
  const open = new Set<EventStream>();
  // an open stream would hold app.close() (and a coordinator's shutdown) forever
  app.addHook('preClose', (done) => {
    for (const s of [...open]) s.end();
    done();
  });

  app.get('/api/events', {
    exposeHeadRoute: false,
    schema: {
      operationId: 'streamEvents', summary: 'Server-sent events: `event: request` with a RequestView each time a request changes',
      description: 'A stream that stays open; each change of a request is one `event: request` whose data is its view as JSON.',
      tags: ['events'],
      response: {
        200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } },
        ...ERROR_RESPONSES,
      },
    },
  }, (_req, reply) => {
    // the stream outlives the handler: fastify must not send or close the reply itself
    reply.hijack();
    new EventStream(reply.raw, open).start(api);
  });
}
