/*
 * dmnative notify(text): one datagram to the service manager's notification socket ($NOTIFY_SOCKET), the sd_notify
 * protocol of systemd (man sd_notify: newline-separated VAR=VALUE lines, e.g. "READY=1\nSTATUS=idle"). QuickJS's
 * `os` module has no sockets, and the unit's NotifyAccess=main accepts messages only from the service's main PID,
 * so the agent sends them itself instead of running `systemd-notify` (a child's PID would be refused).
 *
 * The address is a file system path ("/run/systemd/notify") or, with a leading '@', a name in the Linux abstract
 * namespace (sun_path[0] = 0). The send never blocks (MSG_DONTWAIT): a full socket drops the message with EAGAIN
 * rather than stalling the daemon loop. No libsystemd: the protocol is one sendto().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "quickjs.h"
#include "dmnative-notify.h"

static JSValue dm_notify_throw(JSContext *ctx, int err, const char *what, const char *socket_name)
{
    char msg[320];
    JSValue e = JS_NewError(ctx);
    snprintf(msg, sizeof msg, "dmnative.notify: %s NOTIFY_SOCKET=%s: %s", what, socket_name, strerror(err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

/* notify(text) -> false when $NOTIFY_SOCKET is unset or empty (not run by a service manager), true when sent. */
static JSValue dm_notify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t salen;
    size_t len, textlen;
    const char *text;
    ssize_t sent;
    int fd, err;

    if (!JS_IsString(argv[0]))
        return JS_ThrowTypeError(ctx, "dmnative.notify: the message must be a string");
    if (!name || !name[0])
        return JS_FALSE;
    len = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || len >= sizeof sa.sun_path)
        return dm_notify_throw(ctx, EINVAL, "not an absolute path or @abstract name no longer than 107 bytes:", name);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, name, len);
    if (name[0] == '@')
        sa.sun_path[0] = 0; /* abstract namespace: the name is exactly len bytes, no terminating NUL */
    salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (name[0] == '/' ? 1 : 0));

    text = JS_ToCStringLen(ctx, &textlen, argv[0]);
    if (!text)
        return JS_EXCEPTION;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err = errno;
        JS_FreeCString(ctx, text);
        return dm_notify_throw(ctx, err, "socket() for", name);
    }
    sent = sendto(fd, text, textlen, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    err = errno;
    close(fd);
    JS_FreeCString(ctx, text);
    if (sent < 0)
        return dm_notify_throw(ctx, err, "sendto", name);
    return JS_TRUE;
}

const JSCFunctionListEntry dm_notify_funcs[] = {
    JS_CFUNC_DEF("notify", 1, dm_notify),
};
const int dm_notify_funcs_count = sizeof dm_notify_funcs / sizeof dm_notify_funcs[0];
