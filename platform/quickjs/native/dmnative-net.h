/* dmnative sockets (dmnative-net.c): the function list dmnative.c adds to the module's exports. */
#ifndef DMNATIVE_NET_H
#define DMNATIVE_NET_H
#include "quickjs.h"

extern const JSCFunctionListEntry dm_net_funcs[];
extern const int dm_net_funcs_count;

#endif
