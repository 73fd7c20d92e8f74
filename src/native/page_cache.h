/* page_cache.c: dropCache, registered on the addon's exports */
#ifndef BARGE_PAGE_CACHE_H
#define BARGE_PAGE_CACHE_H
#include <node_api.h>
void register_page_cache(napi_env env, napi_value exports);
#endif
