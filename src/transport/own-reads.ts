// An accepted TCP connection re-wrapped to read into buffers of its own (read-buffers.ts):
// net.Server cannot give an accepted socket net.Socket's `onread` option, so the agent
// accepts paused, opens a second descriptor of the connection as a new net.Socket with
// `onread`, and closes the first. Nothing is read before the swap (pauseOnConnect).
import * as net from 'node:net';
import { native } from '../storage/posix/native.js';
import type { ReadBuffers } from './read-buffers.js';

/** the descriptor of an accepted TCP socket; Node keeps it on the socket's (undocumented) handle */
function fdOf(s: net.Socket): number | undefined {
  const fd = (s as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * The connection `accepted` (paused on accept) as a socket that reads into `pool`'s
 * buffers and hands each read to `onChunk`, which must be done with the chunk when it
 * returns unless it holds the buffer (pool.holdCurrent). Undefined when the descriptor
 * cannot be had: the caller reads `accepted` the usual way.
 */
export function withOwnReads(accepted: net.Socket, pool: ReadBuffers, onChunk: (chunk: Buffer) => void): net.Socket | undefined {
  const fd = fdOf(accepted);
  if (fd === undefined) return undefined;
  let copy: number;
  try { copy = native.dupFd(fd); } catch { return undefined; }
  // `onread` is a net.Socket option (Node >= 12.1) that @types/node lists for connect() only
  const opts: net.SocketConstructorOpts & { onread: net.OnReadOpts } = {
    fd: copy, readable: true, writable: true,
    onread: {
      buffer: () => pool.next(),
      callback: (n: number, buf: Uint8Array) => {
        try { onChunk((buf as Buffer).subarray(0, n)); } finally { pool.handled(); }
        return true;
      },
    },
  };
  const s = new net.Socket(opts);
  // the connection stays open through `copy`: closing one descriptor of it sends nothing to the peer
  accepted.destroy();
  return s;
}
