// -A / -X (issue 28, point 8): POSIX ACLs and extended attributes, carried as rsync -aAX
// carries them, on real files: user.* with binary values, an access ACL on a file, a
// default ACL on a directory, security.capability and a symlink's trusted.* (as root).
// The listings of `getfattr -R -d -m -` and `getfacl -R` of barge's copy must equal
// those of rsync's. Linux refuses user.* on a symlink (EPERM), so a symlink's own
// xattrs are tried with trusted.*, which root may set. Without -A / -X the summary says
// how many entries had some that were not copied. A push into a lone agent keeps them.
// The tools come from Debian's `attr` and `acl`; under CI=true their absence fails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { AGENT_TOKEN, startLoneAgent, type LoneAgent } from './helpers/lone-agent.js';
import { runBarge } from './helpers/run-cli.js';
import { aclListing, missingTools, sh, xattrListing } from './helpers/xattr-listing.js';
import { diffTrees } from './helpers/tree-diff.js';

const TOOLS = ['setfattr', 'getfattr', 'setfacl', 'getfacl', 'rsync'];
const missing = missingTools(TOOLS);
const cannot = missing.length > 0 ? `missing ${missing.join(', ')} (apt-get install attr acl rsync)` : undefined;
const skip = cannot !== undefined && process.env.CI !== 'true' ? cannot : undefined;
const asRoot = process.getuid?.() === 0;

/** a capability set (v2) of cap_net_raw, effective: what `setcap cap_net_raw+ep` writes */
const CAP_NET_RAW = '0x0100000200200000000000000000000000000000';

let work: string;
let src: string;
/** source entries (below the root) with xattrs or ACLs -A -X carry */
let withXattrs = 0;

function inode(p: string): number {
  return fs.lstatSync(p).ino;
}

interface Summary { filesCopied: number; metaUpdated: number; failed: number; xattrsNotCarried: number }

async function sync(args: string[], env?: Record<string, string>): Promise<Summary> {
  const r = await runBarge(['sync', '--json', ...args], env ? { env } : {});
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Summary;
}

before(() => {
  if (cannot !== undefined) {
    if (skip === undefined) assert.fail(cannot);
    return;
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-xattrs-'));
  src = path.join(work, 'src');
  fs.mkdirSync(path.join(src, 'shared'), { recursive: true });
  fs.writeFileSync(path.join(src, 'plain'), 'no xattrs here');
  fs.writeFileSync(path.join(src, 'binary'), 'user xattrs with binary values');
  sh('setfattr', ['-n', 'user.bytes', '-v', '0x00ff0180fe00', path.join(src, 'binary')]);
  sh('setfattr', ['-n', 'user.text', '-v', 'first', path.join(src, 'binary')]);
  sh('setfattr', ['-n', 'user.empty', path.join(src, 'binary')]);
  fs.writeFileSync(path.join(src, 'acl'), 'an access ACL');
  fs.chmodSync(path.join(src, 'acl'), 0o640);
  // the mask (rw) is wider than the group's own bits (r): the mode's group bits show the mask
  sh('setfacl', ['-m', 'u:nobody:rw,g:nogroup:r,m::rw', path.join(src, 'acl')]);
  fs.writeFileSync(path.join(src, 'shared', 'inside'), 'made before the default ACL: none inherited');
  sh('setfacl', ['-d', '-m', 'u:nobody:rwx,g::rx,o::-', path.join(src, 'shared')]);
  sh('setfacl', ['-m', 'u:nobody:rx', path.join(src, 'shared')]);
  fs.symlinkSync('binary', path.join(src, 'link'));
  withXattrs = 3; // binary, acl, shared
  // Linux keeps user.* off symlinks: nothing a source symlink can have for -X to carry
  assert.notEqual(spawnSync('setfattr', ['-h', '-n', 'user.x', '-v', '1', path.join(src, 'link')]).status, 0);
  if (asRoot) {
    fs.writeFileSync(path.join(src, 'ping'), '#!/bin/sh\n');
    fs.chmodSync(path.join(src, 'ping'), 0o755);
    sh('setfattr', ['-n', 'security.capability', '-v', CAP_NET_RAW, path.join(src, 'ping')]);
    sh('setfattr', ['-h', '-n', 'trusted.on-the-link', '-v', 'link xattr', path.join(src, 'link')]);
    withXattrs += 2;
  }
  // the times last: setting xattrs changes only ctimes, but the files were written above
  sh('touch', ['-h', '-d', '2020-01-02T03:04:05.123456789Z', ...fs.readdirSync(src).map((n) => path.join(src, n))]);
});
after(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

test('-AX copies ACLs and xattrs as rsync -aAX does', { skip }, async () => {
  const dst = path.join(work, 'barge');
  const ref = path.join(work, 'rsync');
  const s = await sync(['-AX', src, dst]);
  assert.equal(s.failed, 0);
  assert.equal(s.xattrsNotCarried, 0);
  sh('rsync', ['-aAX', `${src}/`, `${ref}/`]);
  assert.equal(xattrListing(dst), xattrListing(ref));
  assert.equal(aclListing(dst), aclListing(ref));
  assert.equal(xattrListing(dst), xattrListing(src));
  assert.equal(aclListing(dst), aclListing(src));
  assert.match(xattrListing(dst), /user\.bytes=0x00ff0180fe00/);
  assert.match(aclListing(dst), /default:user:nobody:rwx/);
  if (asRoot) {
    assert.match(xattrListing(dst), /security\.capability=0x0100000200200000/);
    assert.match(sh('getfattr', ['-h', '-n', 'trusted.on-the-link', path.join(dst, 'link')]), /link xattr/);
  }
  // modes too (the ACL's mask is the mode's group bits), times, contents
  assert.deepEqual(diffTrees(src, dst), []);
  assert.equal((fs.statSync(path.join(dst, 'acl')).mode & 0o7777).toString(8), (fs.statSync(path.join(src, 'acl')).mode & 0o7777).toString(8));
});

test('a second -AX run changes nothing', { skip }, async () => {
  const s = await sync(['-AX', src, path.join(work, 'barge')]);
  assert.equal(s.filesCopied, 0);
  assert.equal(s.metaUpdated, 0);
});

test('a changed, an added and a removed xattr are set without copying the file again', { skip }, async () => {
  const dst = path.join(work, 'barge');
  const before = { binary: inode(path.join(dst, 'binary')), acl: inode(path.join(dst, 'acl')) };
  sh('setfattr', ['-n', 'user.text', '-v', 'second', path.join(src, 'binary')]);
  sh('setfattr', ['-x', 'user.bytes', path.join(src, 'binary')]);
  sh('setfattr', ['-n', 'user.added', '-v', '0x01', path.join(src, 'plain')]);
  sh('setfacl', ['-x', 'u:nobody', path.join(src, 'acl')]);
  sh('setfacl', ['-k', path.join(src, 'shared')]); // its default ACL goes
  const s = await sync(['-AX', src, dst]);
  assert.equal(s.filesCopied, 0);
  // binary, plain, acl; shared's default ACL goes in the directories' last pass, which counts no metadata (as for a mode)
  assert.equal(s.metaUpdated, 3);
  assert.equal(inode(path.join(dst, 'binary')), before.binary);
  assert.equal(inode(path.join(dst, 'acl')), before.acl);
  assert.equal(xattrListing(dst), xattrListing(src));
  assert.equal(aclListing(dst), aclListing(src));
  assert.doesNotMatch(xattrListing(dst), /user\.bytes/);
  assert.deepEqual(diffTrees(src, dst), []);
  const again = await sync(['-AX', src, dst]);
  assert.equal(again.metaUpdated, 0);
});

test('-A alone sets ACLs and leaves the destination\'s own user.* xattrs', { skip }, async () => {
  const dst = path.join(work, 'acls-only');
  await sync([src, dst]);
  sh('setfattr', ['-n', 'user.mine', '-v', 'kept', path.join(dst, 'acl')]);
  const s = await sync(['-A', src, dst]);
  assert.equal(s.failed, 0);
  assert.equal(s.filesCopied, 0);
  assert.equal(aclListing(dst), aclListing(src));
  assert.match(sh('getfattr', ['-d', path.join(dst, 'acl')]), /user\.mine="kept"/);
  assert.doesNotMatch(sh('getfattr', ['-d', path.join(dst, 'binary')]), /user\./);
  // entries whose user.* xattrs -A left behind are counted (plain, binary; and ping and the link as root)
  assert.equal(s.xattrsNotCarried, asRoot ? 4 : 2);
  assert.deepEqual(diffTrees(src, dst), []);
});

test('without -A / -X the summary says how many entries had some that were not copied', { skip }, async () => {
  const dst = path.join(work, 'plain-copy');
  const r = await runBarge(['sync', src, dst]);
  assert.equal(r.code, 0, r.stderr);
  // after the changes above: binary, plain, acl, shared (its access ACL), and as root ping and link
  const n = asRoot ? 6 : 4;
  assert.match(r.stderr, new RegExp(`${n} entries have extended attributes or ACLs that were not copied \\(use -X / -A\\)`));
  assert.doesNotMatch(xattrListing(dst), /user\.|posix_acl|security\.capability/);
  assert.ok(withXattrs > 0);
});

let agent: LoneAgent | undefined;
after(async () => { await agent?.stop(); });

test('a push into a lone agent keeps them (-AX), and a second push changes nothing', { skip }, async () => {
  const inbox = path.join(work, 'inbox');
  fs.mkdirSync(inbox);
  agent = await startLoneAgent(work, [`inbox=${inbox}:rw`]);
  const env = { BARGE_TOKEN: AGENT_TOKEN };
  const s = await sync(['-AX', src, agent.url('inbox', 'tree')], env);
  assert.equal(s.failed, 0);
  const dst = path.join(inbox, 'tree');
  assert.equal(xattrListing(dst), xattrListing(src));
  assert.equal(aclListing(dst), aclListing(src));
  assert.deepEqual(diffTrees(src, dst), []);
  const again = await sync(['-AX', src, agent.url('inbox', 'tree')], env);
  assert.equal(again.filesCopied, 0);
  assert.equal(again.metaUpdated, 0);
  sh('setfattr', ['-n', 'user.text', '-v', 'third', path.join(src, 'binary')]);
  const ino = inode(path.join(dst, 'binary'));
  const third = await sync(['-AX', src, agent.url('inbox', 'tree')], env);
  assert.equal(third.filesCopied, 0);
  assert.equal(third.metaUpdated, 1);
  assert.equal(inode(path.join(dst, 'binary')), ino);
  assert.equal(xattrListing(dst), xattrListing(src));
});

test('a large file copied in chunks gets its xattrs when committed, locally and on an agent', { skip }, async () => {
  const tree = path.join(work, 'big-src');
  fs.mkdirSync(tree);
  const big = path.join(tree, 'big');
  fs.writeFileSync(big, Buffer.alloc(300 * 1024, 7));
  sh('setfattr', ['-n', 'user.big', '-v', '0xdeadbeef', big]);
  sh('setfacl', ['-m', 'u:nobody:r', big]);
  const chunked = ['-AX', '--chunk-cutoff', '64K', '--chunk-size', '64K'];
  const local = path.join(work, 'big-dst');
  assert.equal((await sync([...chunked, tree, local])).filesCopied, 1);
  assert.equal(xattrListing(local), xattrListing(tree));
  assert.ok(agent, 'the agent of the test before');
  const s = await sync([...chunked, tree, agent.url('inbox', 'big')], { BARGE_TOKEN: AGENT_TOKEN });
  assert.equal(s.filesCopied, 1);
  assert.equal(xattrListing(path.join(work, 'inbox', 'big')), xattrListing(tree));
  assert.deepEqual(diffTrees(tree, path.join(work, 'inbox', 'big')), []);
});

test('a user who is not root keeps user.* xattrs and ACLs of the files it owns, and only user.* (-AX, as nobody, as rsync)', { skip: skip ?? (asRoot ? undefined : 'already unprivileged: the tests above ran so') }, async () => {
  const NOBODY = 65534;
  fs.chmodSync(work, 0o755); // nobody passes through to its own directory
  const mine = path.join(work, 'nobody');
  fs.mkdirSync(path.join(mine, 'src', 'd'), { recursive: true });
  fs.writeFileSync(path.join(mine, 'src', 'f'), 'owned by nobody');
  sh('setfattr', ['-n', 'user.mine', '-v', '0x00010203', path.join(mine, 'src', 'f')]);
  sh('setfacl', ['-m', 'u:root:r', path.join(mine, 'src', 'f')]);
  sh('setfacl', ['-d', '-m', 'u:root:rx', path.join(mine, 'src', 'd')]);
  sh('chown', ['-R', `${NOBODY}:${NOBODY}`, mine]);
  // set after the chown (which clears it): a capability nobody may read but not set
  sh('setfattr', ['-n', 'security.capability', '-v', CAP_NET_RAW, path.join(mine, 'src', 'f')]);
  const r = await runBarge(['sync', '--json', '-AX', path.join(mine, 'src'), path.join(mine, 'dst')], { user: { uid: NOBODY, gid: NOBODY } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as Summary).xattrsNotCarried, 1);
  const ref = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'rsync', '-aAX', `${path.join(mine, 'src')}/`, `${path.join(mine, 'rsync')}/`], { encoding: 'utf8' });
  assert.equal(ref.status, 0, ref.stderr);
  assert.equal(xattrListing(path.join(mine, 'dst')), xattrListing(path.join(mine, 'rsync')));
  assert.equal(aclListing(path.join(mine, 'dst')), aclListing(path.join(mine, 'rsync')));
  assert.match(xattrListing(path.join(mine, 'dst')), /user\.mine=0x00010203/);
  assert.doesNotMatch(xattrListing(path.join(mine, 'dst')), /security\.capability/);
  assert.equal(fs.statSync(path.join(mine, 'dst', 'f')).uid, NOBODY);
});
