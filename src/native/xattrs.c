/* xattrs: a file's extended attributes, read and written (Node's fs has no call for them).
 * Each call takes a target that is either a descriptor (the f* calls) or a path, and
 * then a `follow` flag: false acts on a final symlink itself (the l* calls), true follows
 * it (for /proc/self/fd/N of an O_PATH descriptor, which the f* calls refuse: EBADF).
 * POSIX ACLs are the xattrs system.posix_acl_access and system.posix_acl_default here. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include "xattrs.h"
#include "throw_errno.h"
#include "path_arg.h"

struct target { int fd; bool follow; char path[4097]; };

/* target from (fdOrPath, follow); -1 with a TypeError thrown */
static int get_target(napi_env env, napi_value v, napi_value follow, struct target *t, const char *usage) {
  napi_valuetype ty;
  napi_typeof(env, v, &ty);
  t->fd = -1;
  t->follow = false;
  t->path[0] = 0;
  if (ty == napi_number) {
    if (napi_get_value_int32(env, v, &t->fd) == napi_ok && t->fd >= 0) return 0;
  } else {
    size_t len;
    if (get_path(env, v, t->path, sizeof t->path, &len) == 0 && napi_get_value_bool(env, follow, &t->follow) == napi_ok) {
      if (len < sizeof t->path - 1) return 0;
      throw_errno(env, "listxattr", ENAMETOOLONG);
      return -1;
    }
  }
  napi_throw_type_error(env, "EINVAL", usage);
  return -1;
}

static ssize_t t_list(const struct target *t, char *buf, size_t cap) {
  if (t->fd >= 0) return flistxattr(t->fd, buf, cap);
  return t->follow ? listxattr(t->path, buf, cap) : llistxattr(t->path, buf, cap);
}

static ssize_t t_get(const struct target *t, const char *name, void *buf, size_t cap) {
  if (t->fd >= 0) return fgetxattr(t->fd, name, buf, cap);
  return t->follow ? getxattr(t->path, name, buf, cap) : lgetxattr(t->path, name, buf, cap);
}

int has_carried_xattr(const char *list, ssize_t len) {
  for (ssize_t i = 0; i < len;) {
    const char *n = list + i;
    if (strncmp(n, "system.", 7) != 0 || strcmp(n, "system.posix_acl_access") == 0 || strcmp(n, "system.posix_acl_default") == 0) return 1;
    i += (ssize_t)strlen(n) + 1;
  }
  return 0;
}

/* getXattrs(fdOrPath, follow) -> { name: Buffer, ... } (an empty object where the file
 * system keeps none: ENOTSUP is "none") */
static napi_value js_get_xattrs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct target t;
  if (argc < 2 || get_target(env, argv[0], argv[1], &t, "getXattrs(fdOrPath, follow)") != 0) return NULL;
  napi_value out;
  napi_create_object(env, &out);
  char *names = NULL;
  ssize_t len;
  /* the list may grow between the size query and the read: ask again (ERANGE) */
  for (;;) {
    len = t_list(&t, NULL, 0);
    if (len < 0) {
      if (errno == ENOTSUP) return out;
      return throw_errno(env, "listxattr", errno);
    }
    if (len == 0) return out;
    names = malloc((size_t)len);
    if (!names) return throw_errno(env, "listxattr", ENOMEM);
    ssize_t got = t_list(&t, names, (size_t)len);
    if (got >= 0) { len = got; break; }
    int e = errno;
    free(names);
    names = NULL;
    if (e != ERANGE) return throw_errno(env, "listxattr", e);
  }
  for (ssize_t i = 0; i < len;) {
    const char *n = names + i;
    i += (ssize_t)strlen(n) + 1;
    void *val = NULL;
    ssize_t vl;
    for (;;) {
      vl = t_get(&t, n, NULL, 0);
      if (vl < 0) break;
      val = malloc(vl > 0 ? (size_t)vl : 1);
      if (!val) { free(names); return throw_errno(env, "getxattr", ENOMEM); }
      ssize_t got = t_get(&t, n, val, (size_t)vl);
      if (got >= 0) { vl = got; break; }
      free(val);
      val = NULL;
      if (errno != ERANGE) { vl = -1; break; }
    }
    if (vl < 0) {
      int e = errno;
      if (e == ENODATA) continue; /* removed since listed: as if never there */
      free(names);
      return throw_errno(env, "getxattr", e);
    }
    napi_value b;
    napi_create_buffer_copy(env, (size_t)vl, val, NULL, &b);
    free(val);
    napi_set_named_property(env, out, n, b);
  }
  free(names);
  return out;
}

/* setXattr(fdOrPath, follow, name, value: Buffer) */
static napi_value js_set_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct target t;
  const char *usage = "setXattr(fdOrPath, follow, name, value)";
  if (argc < 4 || get_target(env, argv[0], argv[1], &t, usage) != 0) return NULL;
  char name[256]; /* XATTR_NAME_MAX is 255 */
  size_t nl, vl;
  void *val;
  if (napi_get_value_string_utf8(env, argv[2], name, sizeof name, &nl) != napi_ok || napi_get_buffer_info(env, argv[3], &val, &vl) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", usage);
    return NULL;
  }
  if (nl >= sizeof name - 1) return throw_errno(env, "setxattr", ERANGE);
  int r = t.fd >= 0 ? fsetxattr(t.fd, name, val, vl, 0)
        : t.follow ? setxattr(t.path, name, val, vl, 0) : lsetxattr(t.path, name, val, vl, 0);
  if (r != 0) return throw_errno(env, "setxattr", errno);
  return NULL;
}

/* removeXattr(fdOrPath, follow, name); one already gone is no error */
static napi_value js_remove_xattr(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  struct target t;
  const char *usage = "removeXattr(fdOrPath, follow, name)";
  if (argc < 3 || get_target(env, argv[0], argv[1], &t, usage) != 0) return NULL;
  char name[256];
  size_t nl;
  if (napi_get_value_string_utf8(env, argv[2], name, sizeof name, &nl) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", usage);
    return NULL;
  }
  if (nl >= sizeof name - 1) return throw_errno(env, "removexattr", ERANGE);
  int r = t.fd >= 0 ? fremovexattr(t.fd, name) : t.follow ? removexattr(t.path, name) : lremovexattr(t.path, name);
  if (r != 0 && errno != ENODATA) return throw_errno(env, "removexattr", errno);
  return NULL;
}

void register_xattrs(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"getXattrs", NULL, js_get_xattrs, NULL, NULL, NULL, napi_default, NULL},
    {"setXattr", NULL, js_set_xattr, NULL, NULL, NULL, napi_default, NULL},
    {"removeXattr", NULL, js_remove_xattr, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
