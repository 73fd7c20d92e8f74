/* beneath: a directory below a storage root, opened without following any symlink on
 * the way. Issue 25: parents checked once by path and remembered let a directory swapped
 * for a symlink (mv d d.moved; ln -s /elsewhere d) redirect later writes and reads out of
 * the root. Every operation below the root now starts from a descriptor of its parent
 * directory opened here, and works relative to it; the descriptor refers to the
 * directory itself, so a later swap of any path component cannot move it.
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) resolves the whole path in one call
 * (Linux 5.6); elsewhere a walk of openat(O_NOFOLLOW | O_DIRECTORY), a component at a
 * time. A symlink met on the way is ELOOP. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "beneath.h"
#include "throw_errno.h"
#include "path_arg.h"

/* 1 until the kernel says it has no openat2 (ENOSYS, or a seccomp filter saying so) */
static volatile int have_openat2 = 1;

static int open_dir_flags(int dfd, const char *name, int extra) {
  int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra);
  /* a directory we may search and write but not list: enough for the *at calls */
  if (fd < 0 && errno == EACCES) fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | extra);
  return fd;
}

static int walk(int rootfd, const char *rel) {
  char part[4097];
  int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
  const char *p = rel;
  while (fd >= 0 && *p) {
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || n >= sizeof part) { close(fd); errno = n ? ENAMETOOLONG : EINVAL; return -1; }
    memcpy(part, p, n);
    part[n] = 0;
    int next = open_dir_flags(fd, part, O_NOFOLLOW);
    if (next < 0) {
      int e = errno;
      struct stat st;
      /* O_NOFOLLOW | O_DIRECTORY on a symlink may say ENOTDIR: it is a symlink, ELOOP */
      if (e == ENOTDIR && fstatat(fd, part, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) e = ELOOP;
      close(fd);
      errno = e;
      return -1;
    }
    close(fd);
    fd = next;
    p += n;
    if (*p == '/') p++;
  }
  return fd;
}

static int beneath(int rootfd, const char *rel, int force_walk) {
  if (!*rel) return fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
  if (have_openat2 && !force_walk) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    for (int tries = 0; tries < 8; tries++) {
      how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
      long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
      if (fd < 0 && errno == EACCES) {
        how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
        fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
      }
      if (fd >= 0) return (int)fd;
      /* EAGAIN: a rename raced the lookup; try again */
      if (errno == EAGAIN) continue;
      if (errno != ENOSYS) return -1;
      have_openat2 = 0;
      break;
    }
    if (have_openat2) { errno = EAGAIN; return -1; }
  }
  return walk(rootfd, rel);
}

/* openDirBeneath(root, rel, forceWalk) -> fd of root/rel, a directory reached without a
 * symlink below root (root itself is opened as given: the caller resolved it). The
 * caller closes it. forceWalk: the openat walk even where openat2 exists (tests). */
static napi_value js_open_dir_beneath(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char root[4097], rel[4097];
  size_t rl, ll;
  bool force_walk = false;
  if (argc < 2 || get_path(env, argv[0], root, sizeof root, &rl) != 0 ||
      get_path(env, argv[1], rel, sizeof rel, &ll) != 0 ||
      (argc >= 3 && napi_get_value_bool(env, argv[2], &force_walk) != napi_ok)) {
    napi_throw_type_error(env, "EINVAL", "openDirBeneath(root, rel, forceWalk)");
    return NULL;
  }
  if (rl >= sizeof root - 1 || ll >= sizeof rel - 1) return throw_errno(env, "open", ENAMETOOLONG);
  if (rel[0] == '/') return throw_errno(env, "open", EXDEV);
  int rootfd = open_dir_flags(AT_FDCWD, root, 0);
  if (rootfd < 0) return throw_errno(env, "open", errno);
  int fd = beneath(rootfd, rel, force_walk);
  int e = errno;
  close(rootfd);
  if (fd < 0) return throw_errno(env, "open", e);
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

/* closeFd(fd): close a descriptor openDirBeneath gave (Node's fs.closeSync warns about
 * a descriptor it did not open, and the warning costs far more than the close) */
static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "closeFd(fd)");
    return NULL;
  }
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, "close", errno);
  return NULL;
}

/* hasOpenat2() -> whether the last call here could use openat2 */
static napi_value js_has_openat2(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_get_boolean(env, have_openat2 != 0, &out);
  return out;
}

void register_beneath(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"openDirBeneath", NULL, js_open_dir_beneath, NULL, NULL, NULL, napi_default, NULL},
    {"closeFd", NULL, js_close_fd, NULL, NULL, NULL, napi_default, NULL},
    {"hasOpenat2", NULL, js_has_openat2, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
