/* copy_range: file bytes copied inside the kernel, from one open file to another.
 * Written through write(2) from this process's memory, new page-cache pages cost a
 * fault on the host of a VM like the benchmark machine's, and large folios make it
 * worse: 4 x 1 GiB took 1.6-7.8 s through pread+pwrite and 0.85-0.89 s through pread
 * (to hash) + copy_file_range, which copies page cache to page cache. */
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include "copy_range.h"
#include "throw_errno.h"

/* copyFileRange(srcFd, srcPos, dstFd, dstPos, length) -> bytes copied, fewer only at
 * the source's end; throws with the errno's name as code (EXDEV, EINVAL, EOPNOTSUPP,
 * ENOSYS: this pair of files cannot, copy through memory instead) */
static napi_value js_copy_file_range(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t src, dst;
  int64_t spos, dpos, len;
  if (argc < 5 || napi_get_value_int32(env, argv[0], &src) != napi_ok || napi_get_value_int64(env, argv[1], &spos) != napi_ok ||
      napi_get_value_int32(env, argv[2], &dst) != napi_ok || napi_get_value_int64(env, argv[3], &dpos) != napi_ok ||
      napi_get_value_int64(env, argv[4], &len) != napi_ok || spos < 0 || dpos < 0 || len < 0) {
    napi_throw_type_error(env, "EINVAL", "copyFileRange(srcFd, srcPos, dstFd, dstPos, length)");
    return NULL;
  }
  off64_t so = spos, dof = dpos;
  int64_t done = 0;
  while (done < len) {
    ssize_t n = copy_file_range(src, &so, dst, &dof, (size_t)(len - done), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return throw_errno(env, "copy_file_range", errno);
    }
    if (n == 0) break;
    done += n;
  }
  napi_value out;
  napi_create_int64(env, done, &out);
  return out;
}

void register_copy_range(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"copyFileRange", NULL, js_copy_file_range, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 1, props);
}
