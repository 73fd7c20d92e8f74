// What a storage kind is to the rest of barge: how its endpoints are written in the config
// and how a Storage is opened on one. Kinds are registered in registry.ts (built-ins in kinds.ts).
import type { Storage } from './storage.js';

/** an endpoint as its kind understands it, parsed from the config; each kind extends it */
export interface EndpointDescription {
  readonly kind: string;
}

export interface OpenOptions {
  /**
   * the storage is served to peers by an agent: reads, too, stay under the root, and one
   * event loop serves many peers at once (posix: confineReads and asyncReads)
   */
  forAgent?: boolean;
  /** make the endpoint's root first when it is missing (a destination; posix: with its parents) */
  createRoot?: boolean;
}

export interface StorageKind<E extends EndpointDescription = EndpointDescription> {
  /** the name `kind = "…"` gives in an endpoint table */
  readonly kind: string;
  /**
   * the keys of an endpoint table that are this kind's own; the config reader allows them
   * beside the ones every endpoint has (kind, site, write) and refuses any other
   */
  readonly keys: readonly string[];
  /**
   * reads this kind's keys of one endpoint table (the raw TOML values) into a description;
   * `where` names the table for messages ("barge.toml: endpoints.panda"), and a bad value is
   * a BargeError E_CONFIG "WHERE.KEY: REASON". Keys that are not the kind's are left alone.
   */
  parseEndpoint(table: Record<string, unknown>, where: string): E;
  /** a Storage on the endpoint; cheap unless createRoot: nothing else is checked until it is used */
  open(endpoint: E, opts: OpenOptions): Storage;
  /** the same kind of endpoint rooted at `path` below this one ('/'-separated, '' for itself): where a job's side is */
  below(endpoint: E, path: string): E;
  /** where the endpoint is, for people (posix: its directory) */
  describe(endpoint: E): string;
}
