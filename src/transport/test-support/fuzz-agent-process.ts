// A served agent in a process of its own, for the fuzz test: whatever hostile peers send,
// this process must stay up. It installs no handler for uncaught errors, so Node's default
// (print and exit) shows any. Says where it listens over IPC, answers 'connections', and
// stops on 'stop' or when its parent goes away.
import { memoryTempDir, startAgent } from './served-agent.js';

const agent = await startAgent({ handshakeTimeoutMs: Number(process.argv[2] ?? '300'), top: memoryTempDir() });
const stop = (): void => { void agent.stop().then(() => process.exit(0)); };
process.on('message', (m: unknown) => {
  if (m === 'connections') process.send?.({ connections: agent.server.connections });
  if (m === 'stop') stop();
});
process.on('disconnect', stop);
process.send?.({ port: agent.port, top: agent.top, root: agent.root, outside: agent.outside });
