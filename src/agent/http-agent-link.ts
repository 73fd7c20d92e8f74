// AgentLink over HTTP, for `barge agent --coordinator URL`: the same calls the built-in
// agent makes in-process, as POSTs to /api/agent/* with the agent token and the secret the
// enrolment got (which binds the name to this process). Leases are long polls;
// cancellations arrive with heartbeat replies. An https:// coordinator is trusted through
// the system's CAs, or the CA given (`barge agent --tls-ca`).
import { EventEmitter } from 'node:events';
import { BargeError, ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { codeOfStatus } from '../core/error-codes.js';
import { parseWithBigints, stringifyWithBigints } from '../core/json-bigint.js';
import { causeText } from '../core/cause-text.js';
import { httpCall, type HttpAnswer } from '../transport/http-call.js';
import { tlsProblem } from '../transport/tls-problem.js';
import { AGENT_SECRET_HEADER, unpackLease, type AgentLink, type EnrolBody, type EnrolReply, type LeasedWork, type PackedLease, type TaskReport } from '../core/agent-wire.js';

const CONTENT_TYPE = 'application/x-barge+json';

/** 403 E_AUTH: the coordinator holds the agent's name for another process (a new secret) */
class IdentityTaken extends BargeError {}

export class HttpAgentLink implements AgentLink {
  private readonly events = new EventEmitter();
  /** the secret the last enrolment got; sent with every call after it */
  private secret: string | undefined;
  /** enrols again when the name was taken over (enrolled-agent.ts); unset: such a call just fails */
  private recover: (() => Promise<void>) | undefined;
  private recovering: Promise<void> | undefined;
  /** when the coordinator last answered a call with success (epoch ms; 0: never), for the agent's /healthz */
  lastAnswerAt = 0;

  /** `ca`: PEM of the CA that signed an https:// coordinator's certificate */
  constructor(private readonly base: string, private readonly token: string, private readonly leaseWaitMs = 10_000, private readonly ca?: string) {}

  /** `enrolAgain` is called once however many calls fail together, and must end with this.enrol() succeeding or throw */
  onIdentityTaken(enrolAgain: () => Promise<void>): void {
    this.recover = enrolAgain;
  }

  private async post<T>(path: string, body: unknown, timeoutMs = 30_000, secret?: string, signal?: AbortSignal): Promise<T> {
    let res: HttpAnswer;
    try {
      res = await httpCall(new URL(path, this.base), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': CONTENT_TYPE, ...(secret === undefined ? {} : { [AGENT_SECRET_HEADER]: secret }) },
        body: stringifyWithBigints(body),
        timeoutMs,
        ...(this.ca === undefined ? {} : { ca: this.ca }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (e) {
      if (signal?.aborted === true) throw signal.reason;
      // a certificate problem says which and what to do; otherwise the socket's own words (connect ECONNREFUSED 127.0.0.1:7700)
      // a certificate this side does not trust will not heal by waiting: the operator's to fix (E_CONFIG)
      const tls = tlsProblem(e, '--tls-ca FILE');
      throw new BargeError(tls === undefined ? 'E_NETWORK' : 'E_CONFIG', `coordinator ${this.base}: ${tls ?? causeText(e)}`, { cause: e });
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
      // a bad bearer token is 401 E_AUTH: enrolling again would not help
      const Err = res.status === 403 && code === 'E_AUTH' ? IdentityTaken : BargeError;
      throw new Err(code, `coordinator ${this.base} ${path}: ${message}`);
    }
    this.lastAnswerAt = Date.now();
    return parseWithBigints<T>(text);
  }

  /**
   * A call as the enrolled agent. Refused because another process took the name: enrol again
   * (once for all the calls refused together; calls made meanwhile wait for it), then retry once.
   */
  private async call<T>(path: string, body: unknown, timeoutMs?: number, signal?: AbortSignal): Promise<T> {
    await this.recovering;
    const secret = this.secret;
    try {
      return await this.post<T>(path, body, timeoutMs, secret, signal);
    } catch (e) {
      if (!(e instanceof IdentityTaken) || this.recover === undefined) throw e;
      // sent with a secret another call's enrolment has replaced already: only the retry is needed
      if (this.secret === secret) await this.enrolAgain(this.recover);
      return this.post<T>(path, body, timeoutMs, this.secret, signal);
    }
  }

  private enrolAgain(recover: () => Promise<void>): Promise<void> {
    this.recovering ??= recover().finally(() => { this.recovering = undefined; });
    return this.recovering;
  }

  async enrol(info: EnrolBody): Promise<EnrolReply> {
    const reply = await this.post<EnrolReply>('/api/agent/enrol', info);
    this.secret = reply.agentSecret;
    return reply;
  }

  async lease(agentId: string, capacity: number, signal?: AbortSignal): Promise<LeasedWork[]> {
    return unpackLease(await this.call<PackedLease>('/api/agent/lease', { agentId, capacity, waitMs: this.leaseWaitMs }, this.leaseWaitMs + 30_000, signal));
  }

  async report(agentId: string, reports: TaskReport[]): Promise<void> {
    await this.call('/api/agent/report', { agentId, reports });
  }

  async heartbeat(agentId: string, running: number, held?: readonly number[]): Promise<void> {
    // while enrolling again the name is not this process's: a beat would only queue up behind
    // the enrolment (one per interval, for as long as the other process holds the name)
    if (this.recovering !== undefined) return;
    const r = await this.call<{ canceled: string[] }>('/api/agent/heartbeat', held === undefined ? { agentId, running } : { agentId, running, held });
    for (const id of r.canceled) this.events.emit('cancel', id);
  }

  /** a name another process holds now is not this one's to leave: no enrolling again for that */
  async leave(agentId: string): Promise<void> {
    await this.post('/api/agent/leave', { agentId }, undefined, this.secret);
  }

  onCancel(listener: (requestId: string) => void): () => void {
    this.events.on('cancel', listener);
    return () => this.events.off('cancel', listener);
  }
}
