// What plain Node moves over one TCP connection or a few, with the pieces of barge's data
// plane added one at a time: the sender reads a file in 256 KiB blocks (like barge's
// copyRange), hashes them (xxh3), frames them with barge's own codec and waits for each
// write's callback; the receiver, a separate process, decodes with barge's FrameDecoder,
// hashes and pwrite()s each frame in its 'data' handler (the agent's work, without its
// queue, promise chain and replies), or does less. It separates the cost of Node's socket
// layer from barge's design. Not run by run.sh; see README.md.
//
//   node dist/bench/dataplane/node-ceiling.js --src FILE [--streams N] [--bytes N]
//     [--recv discard|decode|hash|write] [--send-hash 0|1] [--block BYTES] [--dst DIR]
//     [--workers 0|1] [--host H] [--port P] [--recv-netns NS]
//   --recv discard: count bytes; decode: + FrameDecoder; hash: + xxh3 per frame;
//     write: + fs.writeSync at the frame's offset into DIR/ceiling-<pid>-<i>.bin
//   --workers 1: the receiver gives each connection to a worker thread of its own
//   --recv-netns NS: the receiver runs in that network namespace (ip netns exec)
// Prints one JSON line: MB/s, wall time, CPU of both processes.
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { xxh3 } from '@node-rs/xxhash';
import { encodeHead, FrameDecoder, FrameType } from '../../src/transport/frame-codec.js';

const argv = process.argv.slice(2);
const { values: a } = parseArgs({
  args: argv.filter((x) => x !== 'recv'),
  options: {
    src: { type: 'string' }, streams: { type: 'string', default: '1' }, bytes: { type: 'string' },
    recv: { type: 'string', default: 'write' }, 'send-hash': { type: 'string', default: '1' },
    block: { type: 'string', default: String(256 * 1024) }, dst: { type: 'string', default: '/dev/shm' },
    workers: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7890' }, 'recv-netns': { type: 'string' },
  },
});
const streams = Number(a.streams);
const port = Number(a.port);
const self = fileURLToPath(import.meta.url);

interface ReceiverReport { bytes: number; cpuS: number }

/** one connection's receiving end: what the agent does per frame, or less */
function serveConnection(socket: net.Socket, index: number): Promise<number> {
  const decoder = new FrameDecoder();
  const hash = xxh3.Xxh3.withSeed();
  const fd = a.recv === 'write' ? fs.openSync(join(a.dst, `ceiling-${process.pid}-${index}.bin`), 'w') : undefined;
  let bytes = 0;
  return new Promise((done) => {
    socket.on('data', (chunk: Buffer) => {
      if (a.recv === 'discard') { bytes += chunk.length; return; }
      for (const fr of decoder.push(chunk)) {
        bytes += fr.data.length;
        if (a.recv === 'hash' || a.recv === 'write') hash.update(fr.data);
        if (fd !== undefined) {
          const at = Number(fr.meta.offset);
          let off = 0;
          while (off < fr.data.length) off += fs.writeSync(fd, fr.data, off, fr.data.length - off, at + off);
        }
      }
    });
    socket.on('close', () => {
      if (fd !== undefined) fs.closeSync(fd);
      done(bytes);
    });
  });
}

const cpuNow = (): number => { const u = process.resourceUsage(); return (u.userCPUTime + u.systemCPUTime) / 1e6; };

async function receiverWorker(): Promise<void> {
  const d = workerData as { fd: number; index: number };
  const bytes = await serveConnection(new net.Socket({ fd: d.fd, readable: true, writable: true }), d.index);
  parentPort?.postMessage(bytes);
}

function receiver(): void {
  const useWorkers = a.workers === '1';
  let seen = 0;
  let total = 0;
  let closed = 0;
  let cpu0 = 0;
  const finish = (n: number): void => {
    total += n;
    if (++closed < streams) return;
    const report: ReceiverReport = { bytes: total, cpuS: cpuNow() - cpu0 };
    process.send?.(report);
    server.close();
    setTimeout(() => process.exit(0), 50);
  };
  const server = net.createServer({ pauseOnConnect: useWorkers }, (socket) => {
    // the receiver's CPU from its first connection on: its start-up is not the data plane's
    if (seen === 0) cpu0 = cpuNow();
    const index = seen++;
    if (!useWorkers) { void serveConnection(socket, index).then(finish); return; }
    // hand the descriptor to a worker thread: its own event loop on its own thread
    const fd = (socket as unknown as { _handle: { fd: number } })._handle.fd;
    const w = new Worker(self, { argv, workerData: { fd, index } });
    w.on('message', (n: number) => finish(n));
    w.on('error', (e) => { console.error(e); process.exit(1); });
  });
  server.listen(port, a.host, () => process.send?.({ listening: true }));
}

async function sender(): Promise<void> {
  if (!a.src) throw new Error('--src FILE is required');
  const src = a.src;
  const size = fs.statSync(src).size;
  const bytes = Number(a.bytes ?? size);
  const block = Number(a.block);
  const sendHash = a['send-hash'] === '1';
  const ns = a['recv-netns'];
  const child = fork(self, ['recv', ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(ns ? { execPath: 'ip', execArgv: ['netns', 'exec', ns, process.execPath] } : {}),
  });
  await new Promise((r) => child.once('message', r));
  const done = new Promise<ReceiverReport>((r) => child.once('message', (m) => r(m as ReceiverReport)));
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const per = Math.floor(bytes / streams / block) * block;
  await Promise.all(Array.from({ length: streams }, async (_, i) => {
    const socket = net.connect({ host: a.host, port });
    await new Promise((r) => socket.once('connect', r));
    socket.setNoDelay(true);
    const fh = await fs.promises.open(src, 'r');
    const buf = Buffer.allocUnsafe(block);
    const hash = xxh3.Xxh3.withSeed();
    for (let sent = 0; sent < per; sent += block) {
      const { bytesRead } = await fh.read(buf, 0, block, (i * per + sent) % (size - block + 1));
      const view = buf.subarray(0, bytesRead);
      if (sendHash) hash.update(view);
      await new Promise<void>((res, rej) => {
        socket.cork();
        socket.write(encodeHead(FrameType.WRITE, sent / block + 1, { handle: 1, offset: sent }, view.length));
        socket.write(view, (e) => (e ? rej(e) : res()));
        socket.uncork();
      });
    }
    await fh.close();
    await new Promise<void>((r) => socket.end(() => r()));
  }));
  const r = await done;
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({
    streams, recv: a.recv, workers: a.workers, sendHash, block, bytes: r.bytes,
    mbPerS: Math.round(r.bytes / wall / 1e6), wallS: Number(wall.toFixed(2)),
    senderCpuS: Number(((c.user + c.system) / 1e6).toFixed(2)), receiverCpuS: Number(r.cpuS.toFixed(2)),
  }) + '\n');
}

if (!isMainThread) await receiverWorker();
else if (argv[0] === 'recv') receiver();
else await sender();
