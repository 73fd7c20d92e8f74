/* barge_native: the few system calls Node's fs cannot make exactly.
 * Node's utimes/futimes take seconds as a double, which loses ~240 ns at
 * today's epoch; these take nanoseconds as BigInt and call utimensat/futimens. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <stdlib.h>
#include <stdint.h>
#include <unistd.h>
#include "small_files.h"
#include "beneath.h"
#include "copy_range.h"
#include "page_cache.h"
#include "throw_errno.h"
#include "path_arg.h"
#include "xattrs.h"
#include <sys/xattr.h>


/* ns since the epoch (may be negative, and beyond 64 bits: 2262-04-11 is the last time
 * an int64 of ns can hold, while the kernel's time_t seconds go much further) -> timespec
 * with 0 <= tv_nsec < 1e9; null or undefined leaves that time as it is (UTIME_OMIT) */
static int to_timespec(napi_env env, napi_value v, struct timespec *ts) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    ts->tv_sec = 0;
    ts->tv_nsec = UTIME_OMIT;
    return 0;
  }
  int sign = 0;
  size_t words = 2;
  uint64_t w[2] = {0, 0};
  if (t != napi_bigint || napi_get_value_bigint_words(env, v, &sign, &words, w) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "time must be a BigInt of nanoseconds");
    return -1;
  }
  /* below 2^127 ns, seconds fit in 64 bits: anything larger cannot be a file's time */
  if (words > 2 || (w[1] >> 63) != 0) {
    throw_errno(env, "time", EOVERFLOW);
    return -1;
  }
  __int128 ns = (__int128)(((unsigned __int128)w[1] << 64) | w[0]);
  if (sign) ns = -ns;
  __int128 sec = ns / 1000000000, rem = ns % 1000000000;
  if (rem < 0) { rem += 1000000000; sec -= 1; }
  if (sec > INT64_MAX || sec < INT64_MIN) {
    throw_errno(env, "time", EOVERFLOW);
    return -1;
  }
  ts->tv_sec = (time_t)sec;
  ts->tv_nsec = (long)rem;
  return 0;
}

/* futimens(fd, atimeNs, mtimeNs) */
static napi_value js_futimens(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  struct timespec ts[2];
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "futimens(fd, atimeNs, mtimeNs)");
    return NULL;
  }
  if (to_timespec(env, argv[1], &ts[0]) || to_timespec(env, argv[2], &ts[1])) return NULL;
  if (futimens(fd, ts) != 0) return throw_errno(env, "futimens", errno);
  return NULL;
}

/* lutimens(path, atimeNs, mtimeNs): utimensat without following a final symlink */
static napi_value js_lutimens(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4097];
  size_t len;
  struct timespec ts[2];
  if (argc < 3 || get_path(env, argv[0], path, sizeof path, &len) != 0) {
    napi_throw_type_error(env, "EINVAL", "lutimens(path, atimeNs, mtimeNs)");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, "lutimens", ENAMETOOLONG);
  if (to_timespec(env, argv[1], &ts[0]) || to_timespec(env, argv[2], &ts[1])) return NULL;
  if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) return throw_errno(env, "utimensat", errno);
  return NULL;
}

/* scanDir(path) -> { names: (string|Buffer)[], stats: Float64Array, targets: (string|Buffer|null)[] }
 * A name or target that is not valid UTF-8 comes as a Buffer of its bytes (a string
 * would turn them into U+FFFD); the caller decodes it losslessly (src/core/name-bytes.ts).
 * readdir plus an lstat of every entry in one call: the walk's hot path. Node's
 * bigint lstat builds a Stats object of BigInts per entry; this fills a flat array.
 * stats holds SCAN_FIELDS numbers per entry, in the order of the enum below. */
/* F_INO_HI/F_INO_LO: the inode number in two exact halves (doubles lose bits above 2^53) */
/* F_BADNAME: 1 when the name is not valid UTF-8 (and comes as a Buffer) */
/* F_XATTRS: with scanDir's flag set, 1 when the entry has an xattr that -A or -X would
 * carry (an ACL, user.*, security.*, trusted.*), else 0; the flag costs one llistxattr per entry */
enum { F_TYPE, F_MODE, F_SIZE, F_MTIME_SEC, F_MTIME_NSEC, F_UID, F_GID, F_DEV, F_INO_HI, F_INO_LO, F_NLINK, F_BLOCKS, F_BADNAME, F_XATTRS, SCAN_FIELDS };

/* F_XATTRS of dir/name: one llistxattr into a stack buffer (a list too long for it surely
 * holds a carried name); a file system without xattrs, or an entry gone, says none. (The
 * listxattrat(2) of Linux 6.13, by directory descriptor, measured no faster here: the
 * cost, ~1 us an entry on ext4, is the listing, not the path walk.) */
static double carried_xattrs(const char *dir, size_t dlen, const char *name) {
  char p[4352], list[1024];
  size_t nl = strlen(name);
  if (dlen + 1 + nl >= sizeof p) return 0;
  memcpy(p, dir, dlen);
  p[dlen] = '/';
  memcpy(p + dlen + 1, name, nl + 1);
  ssize_t n = llistxattr(p, list, sizeof list);
  if (n < 0) return errno == ERANGE ? 1 : 0;
  return has_carried_xattr(list, n) ? 1 : 0;
}

/* strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF */
static int valid_utf8(const unsigned char *s) {
  while (*s) {
    unsigned c = *s;
    int n;
    unsigned cp;
    if (c < 0x80) { s++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return 0;
    for (int i = 1; i <= n; i++) {
      if ((s[i] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
    s += n + 1;
  }
  return 1;
}

static napi_value js_scan_dir(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4097];
  size_t len;
  bool mark_xattrs = false;
  if (argc < 1 || get_path(env, argv[0], path, sizeof path, &len) != 0 ||
      (argc >= 2 && napi_get_value_bool(env, argv[1], &mark_xattrs) != napi_ok)) {
    napi_throw_type_error(env, "EINVAL", "scanDir(path, markXattrs)");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, "scandir", ENAMETOOLONG);
  /* O_NOFOLLOW: a directory swapped for a symlink mid-run is refused, not followed */
  int ofd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (ofd < 0) return throw_errno(env, "scandir", errno);
  DIR *d = fdopendir(ofd);
  if (!d) { int e = errno; close(ofd); return throw_errno(env, "scandir", e); }
  int dfd = dirfd(d);
  size_t cap = 64, n = 0;
  double *stats = malloc(cap * SCAN_FIELDS * sizeof(double));
  char **names = malloc(cap * sizeof(char *));
  char **targets = malloc(cap * sizeof(char *));
  int err = (stats && names && targets) ? 0 : ENOMEM;
  struct dirent *de;
  while (!err) {
    errno = 0;
    de = readdir(d);
    if (!de) { err = errno; break; }
    const char *nm = de->d_name;
    if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0))) continue;
    struct stat st;
    if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue; /* vanished since readdir: as if never there */
      err = errno;
      break;
    }
    if (n == cap) {
      size_t ncap = cap * 2;
      double *ns = realloc(stats, ncap * SCAN_FIELDS * sizeof(double));
      if (ns) stats = ns;
      char **nn = ns ? realloc(names, ncap * sizeof(char *)) : NULL;
      if (nn) names = nn;
      char **nt = nn ? realloc(targets, ncap * sizeof(char *)) : NULL;
      if (nt) targets = nt;
      if (!nt) { err = ENOMEM; break; }
      cap = ncap;
    }
    double *f = stats + n * SCAN_FIELDS;
    f[F_TYPE] = (double)(st.st_mode & S_IFMT);
    f[F_MODE] = (double)(st.st_mode & 07777);
    f[F_SIZE] = (double)st.st_size;
    f[F_MTIME_SEC] = (double)st.st_mtim.tv_sec;
    f[F_MTIME_NSEC] = (double)st.st_mtim.tv_nsec;
    f[F_UID] = (double)st.st_uid;
    f[F_GID] = (double)st.st_gid;
    f[F_DEV] = (double)st.st_dev;
    f[F_INO_HI] = (double)((uint64_t)st.st_ino >> 32);
    f[F_INO_LO] = (double)((uint64_t)st.st_ino & 0xffffffffu);
    f[F_NLINK] = (double)st.st_nlink;
    f[F_BLOCKS] = (double)st.st_blocks;
    f[F_BADNAME] = valid_utf8((const unsigned char *)nm) ? 0 : 1;
    f[F_XATTRS] = mark_xattrs ? carried_xattrs(path, len, nm) : 0;
    names[n] = strdup(nm);
    targets[n] = NULL;
    if (!names[n]) { err = ENOMEM; break; }
    n++;
    if (S_ISLNK(st.st_mode)) {
      /* a target that grew since fstatat fills the buffer: try again, larger */
      size_t tcap = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
      for (;;) {
        char *t = malloc(tcap);
        if (!t) { err = ENOMEM; break; }
        ssize_t tl = readlinkat(dfd, nm, t, tcap - 1);
        if (tl < 0) { err = errno; free(t); break; }
        if ((size_t)tl < tcap - 1) { t[tl] = 0; targets[n - 1] = t; break; }
        free(t);
        tcap *= 2;
      }
      if (err) break;
    }
  }
  closedir(d);
  napi_value result = NULL;
  if (err) {
    throw_errno(env, "scandir", err);
  } else {
    napi_value js_names, js_targets, buf, arr, nul;
    void *data;
    napi_create_array_with_length(env, n, &js_names);
    napi_create_array_with_length(env, n, &js_targets);
    napi_get_null(env, &nul);
    napi_create_arraybuffer(env, n * SCAN_FIELDS * sizeof(double), &data, &buf);
    memcpy(data, stats, n * SCAN_FIELDS * sizeof(double));
    napi_create_typedarray(env, napi_float64_array, n * SCAN_FIELDS, buf, 0, &arr);
    for (size_t i = 0; i < n; i++) {
      napi_value v;
      if (stats[i * SCAN_FIELDS + F_BADNAME] != 0) napi_create_buffer_copy(env, strlen(names[i]), names[i], NULL, &v);
      else napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &v);
      napi_set_element(env, js_names, (uint32_t)i, v);
      if (targets[i]) {
        napi_value t;
        if (valid_utf8((const unsigned char *)targets[i])) napi_create_string_utf8(env, targets[i], NAPI_AUTO_LENGTH, &t);
        else napi_create_buffer_copy(env, strlen(targets[i]), targets[i], NULL, &t);
        napi_set_element(env, js_targets, (uint32_t)i, t);
      } else {
        napi_set_element(env, js_targets, (uint32_t)i, nul);
      }
    }
    napi_create_object(env, &result);
    napi_set_named_property(env, result, "names", js_names);
    napi_set_named_property(env, result, "stats", arr);
    napi_set_named_property(env, result, "targets", js_targets);
  }
  for (size_t i = 0; i < n; i++) { free(names[i]); free(targets[i]); }
  free(names);
  free(targets);
  free(stats);
  return result;
}

/* punchHole(fd, offset, length): make a range a hole again (sparse rewrites) */
static napi_value js_punch_hole(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  int64_t off, len;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &off) != napi_ok ||
      napi_get_value_int64(env, argv[2], &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "punchHole(fd, offset, length)");
    return NULL;
  }
  if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len) != 0) return throw_errno(env, "fallocate", errno);
  return NULL;
}

/* dupFd(fd): a second descriptor of the same open file (close-on-exec). The agent
 * re-wraps an accepted connection with a reused read buffer (data-server.ts): the
 * accepting socket closes its own descriptor, the duplicate carries the connection on. */
static napi_value js_dup_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "dupFd(fd)");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", errno);
  napi_value out;
  napi_create_int32(env, copy, &out);
  return out;
}

/* linkFd(fd, path): give an O_TMPFILE file its name; EEXIST if the name is taken */
static napi_value js_link_fd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  char path[4097], proc[64];
  size_t len;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      get_path(env, argv[1], path, sizeof path, &len) != 0) {
    napi_throw_type_error(env, "EINVAL", "linkFd(fd, path)");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, "linkat", ENAMETOOLONG);
  /* AT_EMPTY_PATH skips a path walk through /proc but needs CAP_DAC_READ_SEARCH */
  if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0) return NULL;
  if (errno != EPERM && errno != ENOENT) return throw_errno(env, "linkat", errno);
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) return throw_errno(env, "linkat", errno);
  return NULL;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok ? 0 : -1;
}

/* readSmall(path, buf) -> [bytesRead, size, mtimeSec, mtimeNsec]
 * A whole small file in one call: open (no symlinks), read until full or EOF, fstat
 * after the read (to notice a file that changed), close. Per-call overhead of Node's
 * fs functions measured ~50 us per small file; this makes it one crossing. */
static napi_value js_read_small(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4097];
  size_t len, cap;
  void *data;
  if (argc < 2 || get_path(env, argv[0], path, sizeof path, &len) != 0 ||
      napi_get_buffer_info(env, argv[1], &data, &cap) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "readSmall(path, buffer)");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, "open", ENAMETOOLONG);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open", errno);
  size_t got = 0;
  while (got < cap) {
    ssize_t n = read(fd, (char *)data + got, cap - got);
    if (n < 0) { if (errno == EINTR) continue; int e = errno; close(fd); return throw_errno(env, "read", e); }
    if (n == 0) break;
    got += (size_t)n;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) { int e = errno; close(fd); return throw_errno(env, "fstat", e); }
  close(fd);
  napi_value out, v;
  napi_create_array_with_length(env, 4, &out);
  double vals[4] = {(double)got, (double)st.st_size, (double)st.st_mtim.tv_sec, (double)st.st_mtim.tv_nsec};
  for (uint32_t i = 0; i < 4; i++) { napi_create_double(env, vals[i], &v); napi_set_element(env, out, i, v); }
  return out;
}

/* writeSmall(dir, path, buf, length, mode, uid, gid, mtimeSec, mtimeNsec, flags)
 * A whole new file in one call: an unnamed O_TMPFILE inode in dir, written, owned
 * (flags & 1), mode and ns mtime set, flushed (flags & 2), then linked in at path.
 * Throws EEXIST if path appeared meanwhile, EOPNOTSUPP/EISDIR if dir cannot hold
 * O_TMPFILE files: the caller then takes the temporary-name path. */
static napi_value js_write_small(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char dir[4097], path[4097];
  size_t dl, pl, cap;
  void *data;
  int64_t length, mode, uid, gid, msec, mnsec, flags;
  if (argc < 10 || get_path(env, argv[0], dir, sizeof dir, &dl) != 0 ||
      get_path(env, argv[1], path, sizeof path, &pl) != 0 ||
      napi_get_buffer_info(env, argv[2], &data, &cap) != napi_ok || get_i64(env, argv[3], &length) ||
      get_i64(env, argv[4], &mode) || get_i64(env, argv[5], &uid) || get_i64(env, argv[6], &gid) ||
      get_i64(env, argv[7], &msec) || get_i64(env, argv[8], &mnsec) || get_i64(env, argv[9], &flags) ||
      length < 0 || (size_t)length > cap) {
    napi_throw_type_error(env, "EINVAL", "writeSmall(dir, path, buffer, length, mode, uid, gid, mtimeSec, mtimeNsec, flags)");
    return NULL;
  }
  if (dl >= sizeof dir - 1 || pl >= sizeof path - 1) return throw_errno(env, "open", ENAMETOOLONG);
  int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return throw_errno(env, "open", errno);
  const char *what = "write";
  size_t done = 0;
  while (done < (size_t)length) {
    ssize_t n = write(fd, (const char *)data + done, (size_t)length - done);
    if (n < 0) { if (errno == EINTR) continue; goto fail; }
    done += (size_t)n;
  }
  what = "fchown";
  if ((flags & 1) && fchown(fd, (uid_t)uid, (gid_t)gid) != 0) goto fail;
  what = "fchmod"; /* after chown: chown clears set-id bits */
  if (fchmod(fd, (mode_t)mode) != 0) goto fail;
  struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)msec, (long)mnsec}};
  what = "futimens";
  if (futimens(fd, ts) != 0) goto fail;
  what = "fdatasync";
  if ((flags & 2) && fdatasync(fd) != 0) goto fail;
  what = "linkat";
  if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) != 0) {
    if (errno != EPERM && errno != ENOENT) goto fail;
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0) goto fail;
  }
  close(fd);
  return NULL;
fail:;
  int e = errno;
  close(fd);
  return throw_errno(env, what, e);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"futimens", NULL, js_futimens, NULL, NULL, NULL, napi_default, NULL},
    {"lutimens", NULL, js_lutimens, NULL, NULL, NULL, napi_default, NULL},
    {"scanDir", NULL, js_scan_dir, NULL, NULL, NULL, napi_default, NULL},
    {"punchHole", NULL, js_punch_hole, NULL, NULL, NULL, napi_default, NULL},
    {"linkFd", NULL, js_link_fd, NULL, NULL, NULL, napi_default, NULL},
    {"dupFd", NULL, js_dup_fd, NULL, NULL, NULL, napi_default, NULL},
    {"readSmall", NULL, js_read_small, NULL, NULL, NULL, napi_default, NULL},
    {"writeSmall", NULL, js_write_small, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  register_small_files(env, exports);
  register_beneath(env, exports);
  register_copy_range(env, exports);
  register_page_cache(env, exports);
  register_xattrs(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
