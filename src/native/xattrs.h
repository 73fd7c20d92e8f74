/* xattrs.c: getXattrs, setXattr, removeXattr, registered on the addon's exports */
#ifndef BARGE_XATTRS_H
#define BARGE_XATTRS_H
#include <node_api.h>
void register_xattrs(napi_env env, napi_value exports);
/* 1 when the list of names (as llistxattr gives it) holds one that -A or -X would carry */
int has_carried_xattr(const char *list, ssize_t len);
#endif
