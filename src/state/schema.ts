// The tables of the state database, as kysely sees them. Times are milliseconds since
// the epoch; sizes and counters are integers well inside 2^53.
import type { Generated } from 'kysely';

/** the engine's counters, one column each, so a task adds to them in SQL */
export interface CounterColumns {
  files_found: number;
  bytes_found: number;
  dirs_found: number;
  files_to_copy: number;
  bytes_to_copy: number;
  files_copied: number;
  bytes_copied: number;
  bytes_resumed: number;
  files_up_to_date: number;
  meta_updated: number;
  dirs_created: number;
  symlinks_made: number;
  hardlinks_made: number;
  deleted: number;
  specials_skipped: number;
  failed: number;
}

export interface RequestsTable extends CounterColumns {
  id: string;
  state: string;
  phase: number;
  priority: number;
  source: string;
  destination: string;
  src_endpoint: string;
  dst_endpoint: string;
  /** the request as posted, JSON; the state layer does not read it */
  spec: string;
  message: string | null;
  /** the state to go back to on resume */
  paused_from: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface TasksTable {
  id: Generated<number>;
  request_id: string;
  kind: string;
  phase: number;
  payload: string;
  /** files (or entries) the task covers, and their bytes: for queue depth and progress */
  items: number;
  bytes: number;
  state: string;
  attempts: number;
  not_before: number;
  lease_agent: string | null;
  lease_expires: number | null;
  /** the large file a chunk belongs to */
  group_key: string | null;
  /** what a finished task leaves for its group (a chunk's hash) */
  result: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface AgentsTable {
  id: string;
  name: string;
  site: string;
  endpoints: string;
  slots: number;
  running: number;
  coordinator: string;
  started_at: number;
  last_seen: number;
  data_address: string | null;
  /** SHA-256 (hex) of the secret handed to the agent at enrolment; null for a built-in agent */
  secret_hash: string | null;
  /** 1: the data plane speaks TLS (migration 007) */
  data_tls: number | null;
  /** the barge version it enrolled with (migration 010); null in rows from before */
  version: string | null;
  /** the agent protocol it enrolled speaking (migration 010); null in rows from before */
  protocol: number | null;
}

export interface ErrorsTable {
  id: Generated<number>;
  request_id: string;
  path: string;
  code: string;
  message: string;
  at: number;
}

export interface ManifestTable {
  request_id: string;
  path: string;
  size: number;
  mtime_ns: string;
  hash: string;
}

export interface DirMetaTable {
  request_id: string;
  path: string;
  depth: number;
  payload: string;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface RequestAuditTable {
  id: Generated<number>;
  request_id: string;
  at: number;
  /** the API token's name, or anonymous@ADDRESS with auth off */
  actor: string;
  action: string;
  detail: string | null;
}

export interface Database {
  requests: RequestsTable;
  tasks: TasksTable;
  agents: AgentsTable;
  errors: ErrorsTable;
  manifest: ManifestTable;
  dir_meta: DirMetaTable;
  settings: SettingsTable;
  request_files: RequestFilesTable;
  request_audit: RequestAuditTable;
  inbox_keys: InboxKeysTable;
}

/** a request's file list (JSON), apart from its row (migration 008) */
export interface RequestFilesTable {
  request_id: string;
  files: string;
}

/** which request a file of the drop-folder inbox became (migration 009-inbox-keys) */
export interface InboxKeysTable {
  key: string;
  request_id: string;
  file_name: string;
  created_at: number;
}
