// The configuration of `barge serve` after loading: its types and the defaults a key takes when
// neither the file, the environment nor a flag sets it (docs/config.md lists every key).
import os from 'node:os';
import path from 'node:path';

export type TokenRole = 'admin' | 'read' | 'agent';
export interface TokenConfig { name: string; secret: string; role: TokenRole }
import type { EndpointDescription } from '../storage/registry.js';
import type { TlsConfig } from './read-tls.js';
import type { InboxConfig } from './read-inbox.js';

/** an endpoint as the API shows it; `path` says where it is, in its kind's words (posix: the directory) */
export interface EndpointConfig {
  name: string; kind: string; path: string; write: boolean; site: string;
  /** false (`local_agent = false`): on remote agents' hosts only; the built-in agent does not serve it */
  localAgent?: false;
}
export interface SiteConfig { name: string; description?: string }
export type DbConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string } | { kind: 'memory' };
export interface ListenAddress { host: string; port: number }
export interface RetryConfig { maxAttempts: number; baseDelayMs: number; maxDelayMs: number }

export interface ServiceConfig {
  /** Absolute path of the TOML file read, if any. */
  file: string | undefined;
  name: string;
  listen: ListenAddress;
  db: DbConfig;
  stateDir: string;
  localAgent: boolean;
  transfers: number;
  leaseTimeoutMs: number;
  /** how long a request without a deadline waits for an agent that can run it before it fails */
  agentWaitMs: number;
  /** an agent lost (not heard from past the lease timeout) for longer than this leaves the agents table */
  agentPruneMs: number;
  auth: boolean;
  retry: RetryConfig;
  sites: Map<string, SiteConfig>;
  endpoints: Map<string, EndpointConfig>;
  /** each endpoint as its storage kind parsed it: what an agent of this process opens */
  endpointStorage: Map<string, EndpointDescription>;
  /** bytes/s a plan reckons a transfer at unless the caller says (plan_rate); undefined: the plan's default */
  planRate?: number;
  /** addresses (or CIDR ranges) of reverse proxies: a request from one is taken to come from its X-Forwarded-For (trust_proxy) */
  trustProxy?: string[];
  tokens: TokenConfig[];
  /** HTTPS for the API, and the CA trusted for agents' TLS data planes (config/read-tls.ts) */
  tls?: TlsConfig;
  /** the drop-folder inbox of request files (config/read-inbox.ts); absent: none */
  inbox?: InboxConfig;
}

/**
 * Command-line values. Leave a key undefined unless the user gave the flag: a defined value
 * beats the file and the environment (commander's `--no-x` defaults x to true; do not pass that on).
 */
export interface ConfigFlags {
  db?: string;
  listen?: string;
  stateDir?: string;
  localAgent?: boolean;
  transfers?: string;
  leaseTimeout?: string;
  agentWait?: string;
  agentPrune?: string;
  auth?: boolean;
  name?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  inbox?: string;
}

export const TOKEN_ROLES: readonly TokenRole[] = ['admin', 'read', 'agent'];
/** Names of the coordinator, sites, endpoints and tokens: safe in URLs, logs and "panda:/path". */
export const NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
export const MIN_SECRET_LENGTH = 16;
/** A sanity bound that catches a typo (4000 for 4) before it starts thousands of copies. */
export const MAX_TRANSFERS = 1024;

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 7700 };
export const DEFAULT_LEASE_TIMEOUT_MS = 30_000;
/** a day: an agent host's maintenance window, not for ever (the wait is shown in the request meanwhile) */
export const DEFAULT_AGENT_WAIT_MS = 24 * 3600_000;
/** a week: long enough to see in `barge agents` which host went missing over a weekend */
export const DEFAULT_AGENT_PRUNE_MS = 7 * 24 * 3600_000;
export const DEFAULT_RETRY: RetryConfig = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 5 * 60_000 };
export const SQLITE_FILE_NAME = 'barge.sqlite';

/** One task per core, but at least 2 (a scan and a copy overlap) and at most 16 (disks, not cores, limit beyond that). */
export function defaultTransfers(cores = os.availableParallelism()): number {
  return Math.min(16, Math.max(2, cores));
}

/** $XDG_STATE_HOME/barge, else ~/.local/state/barge; the XDG spec says to ignore a relative $XDG_STATE_HOME. */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'barge');
  const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : os.homedir();
  return path.join(home, '.local', 'state', 'barge');
}

export function defaultName(): string {
  return os.hostname();
}
