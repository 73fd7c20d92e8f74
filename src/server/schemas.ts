// TypeBox schemas of the requests API (docs/api.md): what fastify validates on the way in,
// serializes on the way out, and @fastify/swagger publishes at /api/openapi.json.
import { Type, type Static, type TSchema } from 'typebox';
import { AUDIT_ACTIONS } from '../core/request-audit.js';
import { REQUEST_STATES, type RequestState } from '../core/request-states.js';
import { STAGE_STATES, type StageState } from '../core/staging-figures.js';

const HASHES: ('xxh3' | 'sha256' | 'md5')[] = ['xxh3', 'sha256', 'md5'];
const STATES: RequestState[] = [...REQUEST_STATES];

/** Client-given request ids: safe in URLs, file names and logs. */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._-]{1,128}$';
const ENDPOINT_PATH_PATTERN = '^[A-Za-z0-9_.-]+:.*';
const ONE_STATE = `(${STATES.join('|')})`;
/** "running" or "queued,paused": the state filter may be comma-separated as well as repeated. */
const STATE_LIST_PATTERN = `^${ONE_STATE}(,${ONE_STATE})*$`;
/** Enough for the largest explicit file list a request may carry; the whole body is bounded in routes/requests.ts. */
export const MAX_FILES = 1_000_000;
export const DEFAULT_PRIORITY = 5;
export const DEFAULT_LIMIT = 100;
/** the largest offset a page may start at: above it a number is no longer exact, and the databases refuse 1e30 */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

const count = (description?: string) => Type.Integer({ minimum: 0, ...(description === undefined ? {} : { description }) });

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
}, { description: 'every error answer (docs/api.md, Errors)' });

/** The error answers every route may give, so serialization and the OpenAPI document both know them. */
export const ERROR_RESPONSES = { '4xx': ErrorBody, '5xx': ErrorBody };

export const FilterRuleSchema = Type.Object({
  kind: Type.Enum(['include', 'exclude']),
  pattern: Type.String({ minLength: 1, maxLength: 4096 }),
}, { additionalProperties: false });

export const FiltersSchema = Type.Object({
  rules: Type.Optional(Type.Array(FilterRuleSchema, { maxItems: 10_000 })),
  minSize: Type.Optional(count('bytes')),
  maxSize: Type.Optional(count('bytes')),
  minAge: Type.Optional(count('seconds: only files at least this old')),
  maxAge: Type.Optional(count('seconds: only files at most this old')),
}, { additionalProperties: false });

/** The options of a request, as posted and as shown back in RequestView.options. */
const optionProperties = {
  delete: Type.Optional(Type.Boolean({ description: 'remove from the destination what the source lacks' })),
  maxDelete: Type.Optional(count('with delete: refuse the delete pass above this many entries')),
  checksum: Type.Optional(Type.Boolean({ description: 'compare content hashes, not size and mtime' })),
  sizeOnly: Type.Optional(Type.Boolean()),
  ignoreExisting: Type.Optional(Type.Boolean()),
  verify: Type.Optional(Type.Boolean({ description: 're-read every written file' })),
  keepCache: Type.Optional(Type.Boolean({ description: 'leave the bytes read from the source in the page cache (by default they are dropped behind the copy)' })),
  acls: Type.Optional(Type.Boolean({ description: 'keep POSIX ACLs (access and default), as barge sync -A' })),
  xattrs: Type.Optional(Type.Boolean({ description: 'keep extended attributes (user.*; security.* and trusted.* where the agents run as root), as barge sync -X' })),
  hash: Type.Optional(Type.Enum(HASHES)),
  filters: Type.Optional(FiltersSchema),
  deadline: Type.Optional(Type.String({ format: 'date-time', description: 'fail the request if it has not finished by then (also the end of any wait for an agent)' })),
  keepPartial: Type.Optional(Type.Boolean({ description: 'a cancel keeps the partial files of large files for a retry to resume (default: agents remove them)' })),
  files: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), {
    maxItems: MAX_FILES, description: 'only these paths (a directory brings its subtree)',
  })),
};

export const RequestSpecBody = Type.Object({
  id: Type.Optional(Type.String({ pattern: REQUEST_ID_PATTERN, description: 'made up by the coordinator when absent' })),
  source: Type.String({ pattern: ENDPOINT_PATH_PATTERN, maxLength: 4096, description: 'ENDPOINT:/path' }),
  destination: Type.String({ pattern: ENDPOINT_PATH_PATTERN, maxLength: 4096, description: 'ENDPOINT:/path' }),
  priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, default: DEFAULT_PRIORITY, description: '1 (lowest) to 10' })),
  ...optionProperties,
}, { additionalProperties: false });
export type RequestSpecBody = Static<typeof RequestSpecBody>;

export const RequestViewSchema = Type.Object({
  id: Type.String(),
  state: Type.Enum(STATES),
  priority: Type.Integer(),
  source: Type.String(),
  destination: Type.String(),
  options: Type.Object({
    ...Object.fromEntries(Object.entries(optionProperties).filter(([k]) => k !== 'files')) as Omit<typeof optionProperties, 'files'>,
    filesListed: Type.Optional(count('how many paths the request lists (its files)')),
  }),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  walkDone: Type.Boolean(),
  files: Type.Object({
    found: Type.Number(), toCopy: Type.Number(), copied: Type.Number(), upToDate: Type.Number(), failed: Type.Number(), deleted: Type.Number(),
  }),
  bytes: Type.Object({ found: Type.Number(), toCopy: Type.Number(), copied: Type.Number({ description: 'with the bytes a resume kept' }), resumed: Type.Number({ description: 'bytes of partial files an earlier run left, checked and kept' }) }),
  rate: Type.Number({ description: 'bytes/s since the request started running' }),
  etaSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'null until the walk is done' }),
  errorCount: Type.Integer(),
  message: Type.Union([Type.String(), Type.Null()], { description: 'why it failed, or why the delete pass was skipped' }),
  submittedBy: Type.Union([Type.String(), Type.Null()], { description: 'the name of the API token that submitted it (anonymous@ADDRESS with auth off); null for requests older than the audit trail' }),
  waiting: Type.Optional(Type.Object({
    reason: Type.String({ description: 'why no agent can run it now, e.g. no live agent reaches its destination endpoint' }),
    since: Type.String({ format: 'date-time' }),
    until: Type.String({ format: 'date-time', description: 'when it fails if no agent returns: its deadline, or the coordinator\'s agent_wait after `since`' }),
  }, { description: 'present while no live agent can run the request' })),
  staging: Type.Optional(Type.Object({
    mounts: count('sessions started for it: each mounts a volume, unless a drive still held it'),
    volumes: count('volumes its files are on, as located so far'),
    bufferUsedBytes: count('bytes in the archive\'s buffer (shared by the requests of that endpoint)'),
    bufferQuotaBytes: count('the buffer\'s quota'),
    files: Type.Object(Object.fromEntries(STAGE_STATES.map((s) => [s, count()])) as Record<StageState, ReturnType<typeof count>>, {
      description: 'its files by stage state: waiting (to be located), located, staging, staged (in the buffer, copy under way), released (copied, out of the buffer), failed',
    }),
    waiting: Type.Optional(Type.Object({
      code: Type.String({ description: 'E_BUFFER_FULL' }),
      reason: Type.String({ description: 'why, naming the buffer: its quota, or its file system full and how much it has free' }),
      since: Type.String({ format: 'date-time' }),
    }, { description: 'present while its staging waits for room in the buffer: the last session found no room for its files and none has landed since' })),
  }, { description: 'from an archive endpoint, while this coordinator process stages it (figures since it started)' })),
});

export const SubmitAnswer = Type.Object({ id: Type.String(), request: RequestViewSchema });

export const SubmitQuery = Type.Object({
  // 1 or true: the query string spells a flag both ways
  dryRun: Type.Optional(Type.Enum(['1', 'true', '0', 'false'], { description: '1 (or true): plan only: answer 200 with what the request would copy and an estimate of its time; nothing is stored' })),
  rate: Type.Optional(Type.Integer({ minimum: 1, description: 'with dryRun: bytes/s to reckon the transfer at (default: plan_rate of the config, else 125000000, a 1 Gbit/s link)' })),
}, { additionalProperties: false });

const seconds = (description: string) => Type.Number({ minimum: 0, description: `seconds: ${description}` });

export const PlanSchema = Type.Object({
  source: Type.String(),
  destination: Type.String(),
  files: Type.Object({
    found: count('source files the filters keep'), toCopy: count('of those, files not up to date at the destination'),
    upToDate: count(), failed: count('entries that could not be listed'),
  }),
  bytes: Type.Object({ found: count(), toCopy: count() }),
  compareFirst: count('of toCopy, files a sync compares by content first (checksum): counted as to copy'),
  tape: Type.Union([Type.Object({
    drives: count(), drivesUsed: count('drives staging at once: fewer than drives when the buffer holds fewer sessions'), volumes: count('volumes to mount'), mounts: count(), sessions: count('driver sessions: one volume, at most batch_size files and half the buffer each'),
    mountSeconds: seconds('robot moves, loads and unloads'), locateSeconds: seconds('locates and rewinds'), readSeconds: seconds('reading, all drives together'),
    stageSeconds: seconds('until the last drive is done, the drives in parallel'),
    unlocated: count('files the archive could not place (see errors)'), tooLarge: count('files larger than the whole buffer: never staged'),
    requestOrder: Type.Object({ mounts: count(), stageSeconds: seconds('the same files staged in the order listed, for comparison') }),
  }), Type.Null()], { description: 'an archive source: its tape work in tape order; null for other sources' }),
  transfer: Type.Object({ rate: Type.Number({ description: 'bytes/s assumed' }), seconds: seconds('bytes to copy at that rate') }),
  etaSeconds: seconds('the estimate from start to the last byte shipped (staging and shipping overlap)'),
  note: Type.String({ description: 'what the figures are: estimates, and by what' }),
  errors: Type.Array(Type.Object({ path: Type.String(), code: Type.String(), message: Type.String() }), { description: 'the first files that could not be listed or located' }),
}, { description: 'a plan: what the request would copy and an estimate of how long; nothing was stored' });

export const RequestIdParams = Type.Object({ id: Type.String({ pattern: REQUEST_ID_PATTERN }) });

// optional with defaults: fastify fills them in, and OpenAPI clients see they may be left out
export const PagingQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_LIMIT })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
}, { additionalProperties: false });

export const RequestListQuery = Type.Object({
  state: Type.Optional(Type.Array(Type.String({ pattern: STATE_LIST_PATTERN }), {
    description: `only requests in these states (${STATES.join(', ')}); repeat the parameter or separate by commas`,
  })),
  ...PagingQuery.properties,
}, { additionalProperties: false });

/** A page of items: `nextOffset` is where the next page starts, null after the last one. */
export function pageOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }), nextOffset: Type.Union([Type.Integer(), Type.Null()]) });
}

export const StoredErrorSchema = Type.Object({
  path: Type.String(), code: Type.String(), message: Type.String(), at: Type.String({ format: 'date-time' }),
});

export const AuditEntrySchema = Type.Object({
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: 'the name of the API token ([[tokens]] name); anonymous@ADDRESS with auth off' }),
  action: Type.Enum([...AUDIT_ACTIONS]),
  detail: Type.Union([Type.String(), Type.Null()], { description: 'what the action carried beyond its name (a new priority)' }),
});

export const ManifestEntrySchema = Type.Object({
  path: Type.String(), size: Type.Number(), mtimeNs: Type.String({ description: 'nanoseconds since the epoch, as a decimal string' }), hash: Type.String(),
});

export const EndpointSchema = Type.Object({
  name: Type.String(), kind: Type.String(), path: Type.String(), write: Type.Boolean(), site: Type.String(),
});

export const SiteSchema = Type.Object({
  name: Type.String(), description: Type.Optional(Type.String()), endpoints: Type.Array(Type.String()),
});

export const AgentSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  site: Type.String(),
  endpoints: Type.Array(Type.String()),
  coordinator: Type.String({ description: 'the coordinator the agent registered with' }),
  startedAt: Type.String({ format: 'date-time' }),
  lastSeen: Type.String({ format: 'date-time' }),
  state: Type.Enum(['alive', 'lost'], { description: 'alive: heard from within the lease timeout, and no push to it failed since' }),
  lostSince: Type.Optional(Type.String({ format: 'date-time', description: 'only when lost: when its lease ran out, or a push could not reach it' })),
  slots: Type.Integer(),
  running: Type.Integer(),
  dataAddress: Type.Optional(Type.String({ description: 'host:port of its data plane; absent for agents that only copy locally' })),
  version: Type.Optional(Type.String({ description: 'the barge version it enrolled with; absent for agents enrolled before coordinators kept it' })),
  protocol: Type.Optional(Type.Integer({ description: 'the agent protocol it enrolled speaking; a coordinator refuses the calls of one older than its own' })),
});

/** A list without paging: endpoints, sites and agents are few. */
export function listOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item) });
}

export const EndpointParams = Type.Object({ name: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 128 }) });

export const LsQuery = Type.Object({
  path: Type.Optional(Type.String({ default: '/', maxLength: 4096, description: 'a directory (or file) under the endpoint root' })),
}, { additionalProperties: false });

export const ListingSchema = Type.Object({
  endpoint: Type.String(),
  path: Type.String(),
  items: Type.Array(Type.Object({
    name: Type.String(), type: Type.String(), size: Type.Number(), mtimeNs: Type.String(), mode: Type.Integer(),
  })),
});

export const HealthSchema = Type.Object({
  ok: Type.Boolean(),
  db: Type.String({ description: 'the state engine: sqlite, postgres or memory' }),
  message: Type.Optional(Type.String({ description: 'why the database did not answer' })),
});
