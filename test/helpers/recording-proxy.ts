// A TCP proxy that keeps every byte it passes, both ways: put between two processes, it
// shows what an eavesdropper on that link would see. The target may be set after the
// proxy listens (a process told the proxy's address before its own port is known);
// connections that arrive before then wait for it.
import * as net from 'node:net';

export interface RecordingProxy {
  port: number;
  /** where connections go from now on */
  target(port: number): void;
  /** every byte seen so far, both directions, in arrival order */
  bytes(): Buffer;
  /** the first bytes each connection's client sent, one entry per connection */
  openings(): Buffer[];
  close(): Promise<void>;
}

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  const firsts: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let setTarget: (port: number) => void = () => undefined;
  const targetPort = new Promise<number>((resolve) => { setTarget = resolve; });
  // half-open both ways: an end from one side is passed on while the other still answers
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.pause();
    let first = true;
    client.on('data', (b: Buffer) => {
      if (first) { firsts.push(Buffer.from(b)); first = false; }
      chunks.push(Buffer.from(b));
    });
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    void targetPort.then((port) => {
      const upstream = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      sockets.add(upstream);
      upstream.on('data', (b: Buffer) => chunks.push(Buffer.from(b)));
      upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
      upstream.on('error', () => upstream.destroy());
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    target: (port) => setTarget(port),
    bytes: () => Buffer.concat(chunks),
    openings: () => [...firsts],
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
