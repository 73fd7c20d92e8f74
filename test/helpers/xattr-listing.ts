// The listings the -A / -X tests compare, from Debian's `attr` and `acl` tools: every
// xattr (ACLs included) and every ACL of every entry below a directory, in order.
import { execFileSync, spawnSync } from 'node:child_process';

export function sh(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** every xattr (ACLs included) of every entry below dir, symlinks not followed, in order */
export function xattrListing(dir: string): string {
  return sh('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '.'], dir);
}

export function aclListing(dir: string): string {
  return sh('getfacl', ['-R', '-P', '-p', '.'], dir);
}

/** the tools of `tools` this machine lacks */
export function missingTools(tools: readonly string[]): string[] {
  return tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
}
