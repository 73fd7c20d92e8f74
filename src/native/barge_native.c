/* barge_native: the few system calls Node's fs cannot make exactly.
 * Node's utimes/futimes take seconds as a double, which loses ~240 ns at
 * today's epoch; these take nanoseconds as BigInt and call utimensat/futimens. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EROFS: return "EROFS";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ELOOP: return "ELOOP";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *syscall, int e) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", errno_code(e), strerror(e), syscall);
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

/* ns since the epoch (may be negative) -> timespec with 0 <= tv_nsec < 1e9;
 * null or undefined leaves that time as it is (UTIME_OMIT) */
static int to_timespec(napi_env env, napi_value v, struct timespec *ts) {
  int64_t ns;
  bool lossless;
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    ts->tv_sec = 0;
    ts->tv_nsec = UTIME_OMIT;
    return 0;
  }
  if (napi_get_value_bigint_int64(env, v, &ns, &lossless) != napi_ok || !lossless) {
    napi_throw_type_error(env, "EINVAL", "time must be a BigInt of nanoseconds");
    return -1;
  }
  int64_t sec = ns / 1000000000LL, rem = ns % 1000000000LL;
  if (rem < 0) { rem += 1000000000LL; sec -= 1; }
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
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "lutimens(path, atimeNs, mtimeNs)");
    return NULL;
  }
  if (len >= sizeof path - 1) return throw_errno(env, "lutimens", ENAMETOOLONG);
  if (to_timespec(env, argv[1], &ts[0]) || to_timespec(env, argv[2], &ts[1])) return NULL;
  if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0) return throw_errno(env, "utimensat", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"futimens", NULL, js_futimens, NULL, NULL, NULL, napi_default, NULL},
    {"lutimens", NULL, js_lutimens, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
