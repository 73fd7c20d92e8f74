// The receiving end of the data plane: accepts TCP (or TLS) connections, runs the
// handshake (token proof or coordinator grant), then serves one ServedSession per
// connection. A peer that sends garbage gets one FAIL frame and is disconnected; nothing
// it sends can reach a path outside the endpoint or write where writing is not allowed.
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { KeyObject } from 'node:crypto';
import type { Storage } from '../storage/storage.js';
import { CheckedChunks } from './checked-chunks.js';
import type { HashFactory } from './served-session.js';
import { ReadBuffers } from './read-buffers.js';
import { InlineWrites } from './inline-writes.js';
import { withOwnReads } from './own-reads.js';
import { ServerConnection } from './server-connection.js';

export interface ServedEndpoint {
  storage: Storage;
  write: boolean;
}

export interface DataServerOptions {
  /** this agent's name, which grants name */
  agent: string;
  endpoints: ReadonlyMap<string, ServedEndpoint>;
  /** lone-agent tokens a client may prove it holds */
  tokens: readonly string[];
  /** coordinator public keys whose grants are accepted */
  grantKeys: readonly KeyObject[];
  /**
   * Grants are checked only once this settles. An agent under a coordinator listens before
   * it enrols (the address it advertises must be known), and learns the keys and its
   * endpoints at enrolment: a push that arrives in between waits (within the handshake
   * timeout) rather than being refused for a key the agent does not have yet.
   */
  ready?: Promise<void>;
  hashes: HashFactory;
  maxData?: number;
  tls?: { key: Buffer | string; cert: Buffer | string };
  handshakeTimeoutMs?: number;
  /** bytes a 'hash' call hashes before it replies (default 256 MiB; tests use less) */
  hashStepBytes?: number;
  /** what happened, for the agent's log */
  onEvent?: (e: { event: 'session' | 'refused' | 'closed' | 'protocol-error' | 'checksum'; peer: string; detail?: string }) => void;
  now?: () => number;
}

/** the most one socket read takes (a plain TCP connection reading into its own buffers) */
const READ_BYTES = 1024 * 1024;
/**
 * read buffers a connection keeps for reuse: the writes of a busy stream hold two or three
 * at a time; more are made only while storage lags (up to the high-water mark), and an
 * idle connection holds no more than this (an agent may serve many)
 */
const READ_BUFFERS_KEPT = 4;

/** what a data server has done since it started, for metrics; bytes are on the wire, frames included */
export interface DataPlaneStats {
  /** connections open now */
  connections: number;
  /** sessions opened (handshake passed) */
  sessions: number;
  /** connections refused: bad token or grant, a scope the server does not serve */
  refused: number;
  /** connections ended for a malformed or hostile frame */
  protocolErrors: number;
  /** files or chunks whose bytes did not hash to what the sender read */
  checksumErrors: number;
  bytesIn: number;
  bytesOut: number;
}

export class DataServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly checkedChunks = new CheckedChunks();
  /** where its sessions write what they receive: one choice for the agent, as its disk is one */
  private readonly inlineWrites = new InlineWrites();
  /** every connection until its session has closed: close() waits for them */
  private readonly ending = new Set<Promise<void>>();
  private readonly o: DataServerOptions;
  private readonly counts = { sessions: 0, refused: 0, protocolErrors: 0, checksumErrors: 0, bytesIn: 0, bytesOut: 0 };

  constructor(options: DataServerOptions) {
    const c = this.counts;
    this.o = {
      ...options,
      onEvent: (e) => {
        if (e.event === 'session') c.sessions++;
        else if (e.event === 'refused') c.refused++;
        else if (e.event === 'protocol-error') c.protocolErrors++;
        else if (e.event === 'checksum') c.checksumErrors++;
        options.onEvent?.(e);
      },
    };
    const onSocket = (s: net.Socket): void => this.accept(s);
    // plain TCP accepts paused: the connection is re-wrapped to read into buffers of its own before any byte is read
    this.server = options.tls ? tls.createServer({ key: options.tls.key, cert: options.tls.cert }, onSocket) : net.createServer({ pauseOnConnect: true }, onSocket);
  }

  stats(): DataPlaneStats {
    let bytesIn = this.counts.bytesIn;
    let bytesOut = this.counts.bytesOut;
    for (const s of this.sockets) {
      bytesIn += s.bytesRead;
      bytesOut += s.bytesWritten;
    }
    return { ...this.counts, connections: this.sockets.size, bytesIn, bytesOut };
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** stop accepting; open sessions are closed (their whole files in flight removed) */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    await Promise.all([...this.ending]);
  }

  private accept(accepted: net.Socket): void {
    const pool = this.o.tls ? undefined : new ReadBuffers(READ_BYTES, READ_BUFFERS_KEPT);
    // the connection is made once the socket is: reads begin only after this turn of the loop
    const to: { c?: ServerConnection } = {};
    const own = pool && withOwnReads(accepted, pool, (chunk) => to.c?.receive(chunk));
    const socket = own ?? accepted;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const c = to.c = new ServerConnection(socket, peer, this.o, this.checkedChunks, this.inlineWrites, own ? pool : undefined, () => {
      if (!this.sockets.delete(socket)) return;
      this.counts.bytesIn += socket.bytesRead;
      this.counts.bytesOut += socket.bytesWritten;
    });
    if (!own) {
      socket.on('data', (chunk: Buffer) => c.receive(chunk));
      socket.resume();
    }
    this.ending.add(c.ended);
    void c.ended.then(() => this.ending.delete(c.ended));
  }
}
