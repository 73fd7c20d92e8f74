/* A path argument from JavaScript: a string (its UTF-8), or a Buffer (its bytes as they
 * are: a name that is not valid UTF-8 has no string form a C string could come from; see
 * src/core/name-bytes.ts). Shared by the addon's files. */
#ifndef BARGE_PATH_ARG_H
#define BARGE_PATH_ARG_H
#include <node_api.h>
#include <stdbool.h>
#include <string.h>

/* 0, with buf NUL-terminated and *len its length (>= cap - 1: too long, the caller says
 * ENAMETOOLONG, as napi_get_value_string_utf8 leaves it); -1 when v is neither, or a
 * Buffer holding a NUL (no path holds one) */
static inline int get_path(napi_env env, napi_value v, char *buf, size_t cap, size_t *len) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) == napi_ok && is_buffer) {
    void *data;
    size_t n;
    if (napi_get_buffer_info(env, v, &data, &n) != napi_ok || memchr(data, 0, n) != NULL) return -1;
    size_t m = n < cap - 1 ? n : cap - 1;
    memcpy(buf, data, m);
    buf[m] = 0;
    *len = n;
    return 0;
  }
  return napi_get_value_string_utf8(env, v, buf, cap, len) == napi_ok ? 0 : -1;
}
#endif
