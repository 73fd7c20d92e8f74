// AgentLink over HTTP, for `barge agent --coordinator URL`: the same calls the built-in
// agent makes in-process, as POSTs to /api/agent/* with the agent token. Leases are long
// polls; cancellations arrive with heartbeat replies.
import { EventEmitter } from 'node:events';
import { BargeError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { codeOfStatus } from '../core/error-codes.js';
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import { causeText } from '../core/cause-text.js';
import { unpackLease, type AgentLink, type EnrolBody, type EnrolReply, type LeasedWork, type PackedLease, type TaskReport } from '../core/agent-wire.js';

const CONTENT_TYPE = 'application/x-barge+json';

export class HttpAgentLink implements AgentLink {
  private readonly events = new EventEmitter();

  constructor(private readonly base: string, private readonly token: string, private readonly leaseWaitMs = 10_000) {}

  private async post<T>(path: string, body: unknown, timeoutMs = 30_000): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': CONTENT_TYPE },
        body: stringifyWithBigints(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      // fetch says only "fetch failed": its cause says why (connect ECONNREFUSED 127.0.0.1:7700)
      throw new BargeError('E_NETWORK', `coordinator ${this.base}: ${causeText(e)}`, { cause: e });
    }
    const text = await res.text();
    if (!res.ok) {
      let code: ErrorCode = codeOfStatus(res.status) ?? 'E_INTERNAL';
      let message = text;
      try {
        // every error answer is {error: {code, message}} (docs/api.md, Errors)
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        const e = parsed.error ?? {};
        if (e.code && e.code in ERROR_CODES) code = e.code as ErrorCode;
        message = e.message ?? text;
      } catch { /* not JSON: keep the text */ }
      throw new BargeError(code, `coordinator ${this.base} ${path}: ${message}`);
    }
    return parseWithBigints<T>(text);
  }

  enrol(info: EnrolBody): Promise<EnrolReply> {
    return this.post('/api/agent/enrol', info);
  }

  async lease(agentId: string, capacity: number): Promise<LeasedWork[]> {
    return unpackLease(await this.post<PackedLease>('/api/agent/lease', { agentId, capacity, waitMs: this.leaseWaitMs }, this.leaseWaitMs + 30_000));
  }

  async report(agentId: string, reports: TaskReport[]): Promise<void> {
    await this.post('/api/agent/report', { agentId, reports });
  }

  async heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void> {
    const r = await this.post<{ canceled: string[] }>('/api/agent/heartbeat', held === undefined ? { agentId, running } : { agentId, running, held });
    for (const id of r.canceled) this.events.emit('cancel', id);
  }

  async leave(agentId: string): Promise<void> {
    await this.post('/api/agent/leave', { agentId });
  }

  onCancel(listener: (requestId: string) => void): () => void {
    this.events.on('cancel', listener);
    return () => this.events.off('cancel', listener);
  }
}
