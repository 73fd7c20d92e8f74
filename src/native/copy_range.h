/* copy_range.c: copyFileRange, registered on the addon's exports */
#ifndef BARGE_COPY_RANGE_H
#define BARGE_COPY_RANGE_H
#include <node_api.h>
void register_copy_range(napi_env env, napi_value exports);
#endif
