// The TLS files of `barge serve`: a certificate and its key make the API speak HTTPS; a CA
// is what the coordinator trusts when it opens a data-plane session to an agent whose
// data plane speaks TLS (listing an endpoint on agents). Each comes from a flag, the
// environment or the `[tls]` table (load-config.ts); here they are read and checked.
import { readFileSync } from 'node:fs';
import { configError, describeFsError } from './config-error.js';
import type { TableReader } from './toml-table.js';
import { parseDir } from './parse-values.js';

/** a file setting and who set it ("--tls-cert", "BARGE_TLS_CERT", "barge.toml: tls.cert") */
export interface FileSetting { value: string; where: string }

export interface TlsFiles { cert?: string; key?: string; ca?: string }

export interface TlsConfig {
  /** PEM certificate (chain) and private key of the API's HTTPS; absent: plain HTTP */
  server?: { cert: string; key: string };
  /** PEM of the CA(s) trusted for agents' TLS data planes; absent: the system's CAs */
  ca?: string;
}

/** `[tls]` of the config file: paths, relative to the file's directory */
export function readTlsTable(root: TableReader, baseDir: string): TlsFiles | undefined {
  const t = root.table('tls')?.allowKeys(['cert', 'key', 'ca']);
  if (t === undefined) return undefined;
  const file = (key: string): { [k: string]: string } => {
    const v = t.string(key);
    return v === undefined ? {} : { [key]: parseDir(v, t.where(key), baseDir) };
  };
  return { ...file('cert'), ...file('key'), ...file('ca') };
}

function readPem(s: FileSetting, marker: RegExp, what: string): string {
  let text: string;
  try { text = readFileSync(s.value, 'utf8'); } catch (e) {
    throw configError(s.where, `cannot read ${s.value}: ${describeFsError(e)}`);
  }
  if (!marker.test(text)) throw configError(s.where, `${s.value} holds no PEM ${what}`);
  return text;
}

export function readTls(cert: FileSetting | undefined, key: FileSetting | undefined, ca: FileSetting | undefined): TlsConfig {
  if ((cert === undefined) !== (key === undefined)) {
    const given = (cert ?? key) as FileSetting;
    throw configError(given.where, 'a TLS certificate and its key go together: give both tls.cert and tls.key (or --tls-cert and --tls-key)');
  }
  const out: TlsConfig = {};
  if (cert !== undefined && key !== undefined) {
    out.server = { cert: readPem(cert, /-----BEGIN CERTIFICATE-----/, 'certificate'), key: readPem(key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key') };
  }
  if (ca !== undefined) out.ca = readPem(ca, /-----BEGIN CERTIFICATE-----/, 'certificate');
  return out;
}
