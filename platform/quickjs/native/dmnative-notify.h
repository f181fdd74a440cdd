/* dmnative notify (dmnative-notify.c): the function list dmnative.c adds to the module's exports. */
#ifndef DMNATIVE_NOTIFY_H
#define DMNATIVE_NOTIFY_H
#include "quickjs.h"
extern const JSCFunctionListEntry dm_notify_funcs[];
extern const int dm_notify_funcs_count;
#endif
