/* An errno thrown to JavaScript as Node's fs does: code "ENOENT", message
 * "ENOENT: No such file or directory, open". Shared by the addon's files. */
#ifndef BARGE_THROW_ERRNO_H
#define BARGE_THROW_ERRNO_H
#define _GNU_SOURCE
#include <node_api.h>
#include <stdio.h>
#include <string.h>

static inline const char *errno_code(int e) {
  const char *name = strerrorname_np(e); /* glibc >= 2.32: "ENOENT", "ENOTEMPTY", ... */
  return name ? name : "EUNKNOWN";
}

static inline napi_value throw_errno(napi_env env, const char *syscall, int e) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s, %s", errno_code(e), strerror(e), syscall);
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}
#endif
