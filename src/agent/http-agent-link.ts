// AgentLink over HTTP, for `barge agent --coordinator URL`: the same calls the built-in
// agent makes in-process, as POSTs to /api/agent/* with the agent token. Leases are long
// polls; cancellations arrive with heartbeat replies. An https:// coordinator is trusted
// through the system's CAs, or the CA given (`barge agent --tls-ca`).
import { EventEmitter } from 'node:events';
import { BargeError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { codeOfStatus } from '../core/error-codes.js';
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import { httpCall, type HttpAnswer } from '../transport/http-call.js';
import { tlsProblem } from '../transport/tls-problem.js';
import { unpackLease, type AgentLink, type EnrolBody, type EnrolReply, type LeasedWork, type PackedLease, type TaskReport } from '../core/agent-wire.js';

const CONTENT_TYPE = 'application/x-barge+json';

export class HttpAgentLink implements AgentLink {
  private readonly events = new EventEmitter();

  /** `ca`: PEM of the CA that signed an https:// coordinator's certificate */
  constructor(private readonly base: string, private readonly token: string, private readonly leaseWaitMs = 10_000, private readonly ca?: string) {}

  private async post<T>(path: string, body: unknown, timeoutMs = 30_000): Promise<T> {
    let res: HttpAnswer;
    try {
      res = await httpCall(new URL(path, this.base), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': CONTENT_TYPE },
        body: stringifyWithBigints(body),
        timeoutMs,
        ...(this.ca === undefined ? {} : { ca: this.ca }),
      });
    } catch (e) {
      const why = tlsProblem(e, '--tls-ca FILE') ?? (e instanceof Error ? e.message : String(e));
      throw new BargeError('E_NETWORK', `coordinator ${this.base}: ${why}`);
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) {
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
