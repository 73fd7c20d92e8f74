// [[tokens]] of the config file: API bearer tokens. A secret is written inline, or, to keep it out
// of the file, taken from an environment variable or a file of its own.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configError, describeFsError, describeValue } from './config-error.js';
import { checkName } from './parse-values.js';
import { MIN_SECRET_LENGTH, TOKEN_ROLES, type TokenConfig, type TokenRole } from './service-config.js';
import type { TableReader } from './toml-table.js';

const SECRET_KEYS = ['secret', 'secret_env', 'secret_file'] as const;

export function readTokens(list: TableReader[], env: NodeJS.ProcessEnv, baseDir: string): TokenConfig[] {
  const tokens: TokenConfig[] = [];
  const nameUsedBy = new Map<string, string>();
  const secretUsedBy = new Map<string, string>();
  for (const t of list) {
    t.allowKeys(['name', 'role', ...SECRET_KEYS]);
    const name = checkName(t.requiredString('name'), t.where('name'));
    const other = nameUsedBy.get(name);
    if (other !== undefined) throw configError(t.where('name'), `${describeValue(name)} is already the name of ${other}`);
    nameUsedBy.set(name, t.keyPath);
    const role = readRole(t);
    const secret = readSecret(t, env, baseDir);
    // a shared secret would make the role of a request depend on which entry matched first
    const sameAs = secretUsedBy.get(secret);
    if (sameAs !== undefined) throw configError(t.where(), `same secret as ${sameAs}; every token needs its own`);
    secretUsedBy.set(secret, t.keyPath);
    tokens.push({ name, secret, role });
  }
  return tokens;
}

function readRole(t: TableReader): TokenRole {
  const role = t.requiredString('role');
  const known = TOKEN_ROLES.find((r) => r === role);
  if (known === undefined) throw configError(t.where('role'), `expected "admin", "read" or "agent", got ${describeValue(role)}`);
  return known;
}

function readSecret(t: TableReader, env: NodeJS.ProcessEnv, baseDir: string): string {
  const given = SECRET_KEYS.filter((k) => t.has(k));
  const key = given[0];
  if (given.length !== 1 || key === undefined) throw configError(t.where(), 'give exactly one of secret, secret_env, secret_file');
  const source = t.requiredString(key);
  const secret = key === 'secret' ? source : key === 'secret_env' ? fromEnv(t, source, env) : fromFile(t, source, baseDir);
  // never echo the secret itself: error messages end up in logs
  if (secret.length < MIN_SECRET_LENGTH) {
    throw configError(t.where(key), `the secret is shorter than ${MIN_SECRET_LENGTH} characters`);
  }
  // it travels as "Authorization: Bearer SECRET", where spaces and control characters do not survive
  if (!/^[\x21-\x7e]+$/.test(secret)) {
    throw configError(t.where(key), 'the secret may hold only printable ASCII characters, without spaces');
  }
  return secret;
}

function fromEnv(t: TableReader, variable: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  if (value === undefined) throw configError(t.where('secret_env'), `environment variable ${variable} is not set`);
  if (value === '') throw configError(t.where('secret_env'), `environment variable ${variable} is empty`);
  return value;
}

function fromFile(t: TableReader, file: string, baseDir: string): string {
  const full = path.resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (e) {
    throw configError(t.where('secret_file'), `cannot read ${full}: ${describeFsError(e)}`);
  }
  // editors and `echo` end files with a newline that is not part of the secret
  return text.replace(/[\r\n]+$/, '');
}
