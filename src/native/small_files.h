/* small_files.c: readFiles and writeFiles, registered on the addon's exports */
#ifndef BARGE_SMALL_FILES_H
#define BARGE_SMALL_FILES_H
#include <node_api.h>
void register_small_files(napi_env env, napi_value exports);
#endif
