/* small_files: a directory's worth of small files in one call each way.
 * Per file, barge sync spent more in Node (a crossing per call, a path walk per
 * open, a promise per step) than in the kernel; these open the directory once and
 * work relative to it, and skip the calls whose effect is already in place. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "small_files.h"
#include "throw_errno.h"
#include "path_arg.h"

/* readFiles out: per file these doubles */
enum { R_ERRNO, R_OFFSET, R_LENGTH, R_SIZE, R_MTIME_SEC, R_MTIME_NSEC, R_FIELDS };
/* writeFiles items: per file these doubles */
enum { W_OFFSET, W_LENGTH, W_MODE, W_UID, W_GID, W_MTIME_SEC, W_MTIME_NSEC, W_FIELDS };
/* errno for a file not attempted because an earlier one stopped the batch */
#define NOT_TRIED (-1)


/* the process umask, read without changing it (umask(2) would, for every thread);
 * -1 when /proc does not say */
static int process_umask = -2;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;
static void read_umask(void) {
  process_umask = -1;
  FILE *f = fopen("/proc/self/status", "re");
  if (!f) return;
  char line[256];
  while (fgets(line, sizeof line, f)) {
    unsigned m;
    if (sscanf(line, "Umask: %o", &m) == 1) { process_umask = (int)m; break; }
  }
  fclose(f);
}

/* the directory, opened for *at calls; its final component is not followed unless it
 * is the storage root, which the caller resolved already */
static int open_dir(const char *path, int follow) {
  return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
}

static int get_string(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len;
  if (get_path(env, v, buf, cap, &len) != 0) return -1;
  return len >= cap - 1 ? -2 : 0;
}

static int get_f64s(napi_env env, napi_value v, double **data, size_t *count) {
  napi_typedarray_type type;
  void *p;
  size_t n;
  if (napi_get_typedarray_info(env, v, &type, &n, &p, NULL, NULL) != napi_ok || type != napi_float64_array) return -1;
  *data = p;
  *count = n;
  return 0;
}

/* readFiles(dir, followDir, names, sizes: Float64Array, buf, out: Float64Array)
 * Reads each named file whole into buf, one after another; a file gets its listed
 * size + 1 bytes of room, so a file that grew reads back longer than listed. Then
 * fstat: its size and mtime after the read. A file that does not fit is not tried. */
static napi_value js_read_files(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char dir[4097], name[1024];
  bool follow;
  uint32_t count;
  double *sizes, *out;
  size_t nsizes, nout, cap;
  void *buf;
  if (argc < 6 || get_string(env, argv[0], dir, sizeof dir) != 0 || napi_get_value_bool(env, argv[1], &follow) != napi_ok ||
      napi_get_array_length(env, argv[2], &count) != napi_ok || get_f64s(env, argv[3], &sizes, &nsizes) ||
      napi_get_buffer_info(env, argv[4], &buf, &cap) != napi_ok || get_f64s(env, argv[5], &out, &nout) ||
      nsizes < count || nout < (size_t)count * R_FIELDS) {
    napi_throw_type_error(env, "EINVAL", "readFiles(dir, followDir, names, sizes, buffer, out)");
    return NULL;
  }
  int dfd = open_dir(dir, follow);
  if (dfd < 0) return throw_errno(env, "open", errno);
  size_t at = 0;
  for (uint32_t i = 0; i < count; i++) {
    double *o = out + (size_t)i * R_FIELDS;
    o[R_ERRNO] = NOT_TRIED;
    o[R_OFFSET] = (double)at;
    o[R_LENGTH] = o[R_SIZE] = o[R_MTIME_SEC] = o[R_MTIME_NSEC] = 0;
    if (!(sizes[i] >= 0 && sizes[i] < (double)cap)) { o[R_ERRNO] = sizes[i] >= 0 ? NOT_TRIED : EINVAL; continue; }
    size_t room = (size_t)sizes[i] + 1;
    if (at + room > cap) continue;
    napi_value v;
    if (napi_get_element(env, argv[2], i, &v) != napi_ok || get_string(env, v, name, sizeof name) != 0) {
      o[R_ERRNO] = ENAMETOOLONG;
      continue;
    }
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) { o[R_ERRNO] = errno; continue; }
    size_t got = 0;
    int err = 0;
    /* a short read of a regular file is its end: no second read to see 0 */
    while (got < room) {
      ssize_t n = read(fd, (char *)buf + at + got, room - got);
      if (n < 0) { if (errno == EINTR) continue; err = errno; break; }
      if (n == 0) break;
      got += (size_t)n;
      if (got < room) break;
    }
    struct stat st;
    if (!err && fstat(fd, &st) != 0) err = errno;
    close(fd);
    o[R_ERRNO] = err;
    if (err) continue;
    o[R_LENGTH] = (double)got;
    o[R_SIZE] = (double)st.st_size;
    o[R_MTIME_SEC] = (double)st.st_mtim.tv_sec;
    o[R_MTIME_NSEC] = (double)st.st_mtim.tv_nsec;
    at += room;
  }
  close(dfd);
  return NULL;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* link an O_TMPFILE file in at dfd/name; AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH */
static int link_tmpfile(int fd, int dfd, const char *name) {
  if (linkat(fd, "", dfd, name, AT_EMPTY_PATH) == 0) return 0;
  if (errno != EPERM && errno != ENOENT) return -1;
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  return linkat(AT_FDCWD, proc, dfd, name, AT_SYMLINK_FOLLOW);
}

/* what a new file in dfd gets without being told: the owner and group, and whether
 * its mode bits are exactly the ones asked for at open */
struct defaults { uid_t uid; gid_t gid; int umask; int acl; };

static int dir_defaults(int dfd, struct defaults *d) {
  struct stat st;
  if (fstat(dfd, &st) != 0) return -1;
  pthread_once(&umask_once, read_umask);
  d->uid = geteuid();
  d->gid = (st.st_mode & S_ISGID) ? st.st_gid : getegid();
  d->umask = process_umask;
  /* a default ACL, not the umask, masks the mode of new files: always fchmod then */
  d->acl = fgetxattr(dfd, "system.posix_acl_default", NULL, 0) >= 0 || (errno != ENODATA && errno != ENOTSUP);
  return 0;
}

/* one new file from buf, complete under its final name or not there at all */
static int write_one(int dfd, const char *name, const char *bytes, const double *it, int flags, const struct defaults *d, const char **what) {
  mode_t mode = (mode_t)it[W_MODE] & 07777;
  uid_t uid = (uid_t)it[W_UID];
  gid_t gid = (gid_t)it[W_GID];
  int chown_needed = (flags & 1) && (uid != d->uid || gid != d->gid);
  /* chown clears set-id bits, and open's mode is masked: fchmod unless open gives it exactly */
  int chmod_needed = chown_needed || (mode & 07000) || d->umask < 0 || (mode & (mode_t)d->umask) || d->acl;
  *what = "open";
  int fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, chmod_needed ? 0600 : mode);
  if (fd < 0) return -1;
  *what = "write";
  if (write_all(fd, bytes, (size_t)it[W_LENGTH]) != 0) goto fail;
  *what = "fchown";
  if (chown_needed && fchown(fd, uid, gid) != 0) goto fail;
  *what = "fchmod";
  if (chmod_needed && fchmod(fd, mode) != 0) goto fail;
  struct timespec ts[2] = {{0, UTIME_OMIT}, {(time_t)it[W_MTIME_SEC], (long)it[W_MTIME_NSEC]}};
  *what = "futimens";
  if (futimens(fd, ts) != 0) goto fail;
  *what = "fdatasync";
  if ((flags & 2) && fdatasync(fd) != 0) goto fail;
  *what = "linkat";
  if (link_tmpfile(fd, dfd, name) != 0) goto fail;
  close(fd);
  return 0;
fail:;
  int e = errno;
  close(fd);
  errno = e;
  return -1;
}

/* writeFiles(dir, followDir, names, buf, items: Float64Array, flags, out: Int32Array)
 * Makes each named file new from its bytes in buf: an unnamed O_TMPFILE inode, written,
 * owned (flags & 1), mode and ns mtime set, flushed (flags & 2), linked in at its name;
 * with flags & 4 no other thread of the process runs such a batch meanwhile.
 * out[i]: 0 done, else the errno (EEXIST: the name was taken meanwhile). A full disk
 * or a directory without O_TMPFILE stops the batch: the rest are NOT_TRIED. */
static napi_value js_write_files(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char dir[4097], name[1024];
  bool follow;
  uint32_t count;
  double *items;
  size_t nitems, cap, nout;
  void *buf, *outp;
  int32_t flags;
  napi_typedarray_type otype;
  if (argc < 7 || get_string(env, argv[0], dir, sizeof dir) != 0 || napi_get_value_bool(env, argv[1], &follow) != napi_ok ||
      napi_get_array_length(env, argv[2], &count) != napi_ok || napi_get_buffer_info(env, argv[3], &buf, &cap) != napi_ok ||
      get_f64s(env, argv[4], &items, &nitems) || napi_get_value_int32(env, argv[5], &flags) != napi_ok ||
      napi_get_typedarray_info(env, argv[6], &otype, &nout, &outp, NULL, NULL) != napi_ok || otype != napi_int32_array ||
      nitems < (size_t)count * W_FIELDS || nout < count) {
    napi_throw_type_error(env, "EINVAL", "writeFiles(dir, followDir, names, buffer, items, flags, out)");
    return NULL;
  }
  int32_t *out = outp;
  for (uint32_t i = 0; i < count; i++) out[i] = NOT_TRIED;
  int dfd = open_dir(dir, follow);
  if (dfd < 0) return throw_errno(env, "open", errno);
  struct defaults d;
  if (dir_defaults(dfd, &d) != 0) { int e = errno; close(dfd); return throw_errno(env, "fstat", e); }
  /* flags & 4: one creating thread at a time in this process (see create-concurrency.ts) */
  static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;
  if (flags & 4) pthread_mutex_lock(&create_lock);
  for (uint32_t i = 0; i < count; i++) {
    const double *it = items + (size_t)i * W_FIELDS;
    napi_value v;
    if (napi_get_element(env, argv[2], i, &v) != napi_ok || get_string(env, v, name, sizeof name) != 0) { out[i] = ENAMETOOLONG; continue; }
    if (it[W_OFFSET] < 0 || it[W_LENGTH] < 0 || (size_t)it[W_OFFSET] + (size_t)it[W_LENGTH] > cap) { out[i] = EINVAL; continue; }
    const char *what;
    if (write_one(dfd, name, (const char *)buf + (size_t)it[W_OFFSET], it, flags, &d, &what) == 0) { out[i] = 0; continue; }
    out[i] = errno;
    if (errno == ENOSPC || errno == EDQUOT || (what[0] == 'o' && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))) break;
  }
  if (flags & 4) pthread_mutex_unlock(&create_lock);
  close(dfd);
  return NULL;
}

void register_small_files(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"readFiles", NULL, js_read_files, NULL, NULL, NULL, napi_default, NULL},
    {"writeFiles", NULL, js_write_files, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
