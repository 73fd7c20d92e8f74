/* beneath.c: openDirBeneath, registered on the addon's exports */
#ifndef BARGE_BENEATH_H
#define BARGE_BENEATH_H
#include <node_api.h>
void register_beneath(napi_env env, napi_value exports);
#endif
