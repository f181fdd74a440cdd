/*
 * dmnative sockets: the few calls the QuickJS agent needs to receive package 0 itself (OMA-TS-DM_Notification-V1_2
 * §6 / docs/protocol.md §8.3: WAP push datagrams on UDP, and package 0 POSTed over HTTP), which QuickJS 2021-03-27's
 * `os` module cannot do: it has no socket calls at all. Without these the agent needs socat
 * (platform/quickjs/notify-socket.ts).
 *
 * Every socket is non-blocking and close-on-exec (installers and curl must not inherit a listening socket), so the
 * agent waits for readiness with os.setReadHandler and the daemon's event loop is never blocked. Descriptors are
 * closed with os.close. A call that would block returns null (recvFrom, accept) or -1 (recv, send) instead of
 * throwing; every other failure throws an Error whose `code` is the errno name (EADDRINUSE ...), like Node's errors,
 * and whose message names the call and its address.
 *
 * Addresses are numeric IPv4 or IPv6 only: no name lookup (getaddrinfo may block on DNS).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "quickjs.h"
#include "dmnative-net.h"

static const char *dm_errno_name(int err)
{
    switch (err) {
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case ECONNRESET: return "ECONNRESET";
    case ECONNABORTED: return "ECONNABORTED";
    case EPIPE: return "EPIPE";
    case ENOTCONN: return "ENOTCONN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    default: return "EIO";
    }
}

/* Throws `Error("dmnative.<call>(<detail>): <CODE> <strerror>")` with `code` and `errno` properties. */
static JSValue dm_net_throw(JSContext *ctx, int err, const char *call, const char *detail)
{
    char msg[256];
    const char *name = dm_errno_name(err);
    JSValue e = JS_NewError(ctx);
    snprintf(msg, sizeof msg, "dmnative.%s(%s): %s %s", call, detail, name, strerror(err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "code", JS_NewString(ctx, name), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

/* Parses (address, port) into a sockaddr; throws a TypeError/RangeError naming the bad value. */
static int dm_sockaddr(JSContext *ctx, JSValueConst addr_v, JSValueConst port_v, struct sockaddr_storage *ss,
                       socklen_t *len, char *detail, size_t detail_len)
{
    const char *addr = JS_ToCString(ctx, addr_v);
    int32_t port;
    if (!addr)
        return -1;
    if (JS_ToInt32(ctx, &port, port_v)) {
        JS_FreeCString(ctx, addr);
        return -1;
    }
    snprintf(detail, detail_len, "%s:%d", addr, port);
    if (port < 0 || port > 65535) {
        JS_ThrowRangeError(ctx, "dmnative: port must be 0..65535, got %d", port);
        JS_FreeCString(ctx, addr);
        return -1;
    }
    memset(ss, 0, sizeof *ss);
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1)
            goto bad;
        *len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &a->sin_addr) != 1)
            goto bad;
        *len = sizeof *a;
    }
    JS_FreeCString(ctx, addr);
    return 0;
bad:
    JS_ThrowTypeError(ctx, "dmnative: %s is not a numeric IPv4 or IPv6 address", addr);
    JS_FreeCString(ctx, addr);
    return -1;
}

/* {address, port} of a peer. */
static JSValue dm_peer(JSContext *ctx, const struct sockaddr_storage *ss, JSValue obj)
{
    char text[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
        port = ntohs(a->sin6_port);
    } else if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
        port = ntohs(a->sin_port);
    }
    JS_SetPropertyStr(ctx, obj, "address", JS_NewString(ctx, text));
    JS_SetPropertyStr(ctx, obj, "port", JS_NewInt32(ctx, port));
    return obj;
}

/* socket + (SO_REUSEADDR for TCP) + bind (+ listen): the shared part of udpBind and tcpListen. */
static JSValue dm_open_bound(JSContext *ctx, int argc, JSValueConst *argv, int type, const char *call)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char detail[96];
    int fd, err, one = 1;
    int32_t backlog = 16;
    if (dm_sockaddr(ctx, argv[0], argv[1], &ss, &len, detail, sizeof detail))
        return JS_EXCEPTION;
    if (type == SOCK_STREAM && argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToInt32(ctx, &backlog, argv[2]))
        return JS_EXCEPTION;
    fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return dm_net_throw(ctx, errno, call, detail);
    /* TCP: a restarted daemon must not wait for TIME_WAIT connections of the previous one to expire. UDP keeps
     * the default (like the Node listener, reuseAddr false): two agents must not share one push port. */
    if ((type == SOCK_STREAM && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0) ||
        bind(fd, (struct sockaddr *)&ss, len) < 0 || (type == SOCK_STREAM && listen(fd, backlog) < 0)) {
        err = errno;
        close(fd);
        return dm_net_throw(ctx, err, call, detail);
    }
    return JS_NewInt32(ctx, fd);
}

/* udpBind(address, port) -> fd */
static JSValue dm_udpBind(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return dm_open_bound(ctx, argc, argv, SOCK_DGRAM, "udpBind");
}

/* tcpListen(address, port[, backlog = 16]) -> fd */
static JSValue dm_tcpListen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return dm_open_bound(ctx, argc, argv, SOCK_STREAM, "tcpListen");
}

/* localPort(fd) -> the bound port (port 0 asks the kernel for a free one). */
static JSValue dm_localPort(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int32_t fd;
    char detail[16];
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    snprintf(detail, sizeof detail, "%d", fd);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return dm_net_throw(ctx, errno, "localPort", detail);
    return JS_NewInt32(ctx, ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                         : ((struct sockaddr_in *)&ss)->sin_port));
}

/* Finds `length` bytes at `offset` of an ArrayBuffer; NULL (exception set) when out of range. */
static uint8_t *dm_net_span(JSContext *ctx, int argc, JSValueConst *argv, size_t *len)
{
    size_t size;
    uint64_t off, n;
    uint8_t *p = JS_GetArrayBuffer(ctx, &size, argv[1]);
    if (!p)
        return NULL;
    if (JS_ToIndex(ctx, &off, argv[2]) || JS_ToIndex(ctx, &n, argv[3]))
        return NULL;
    if (off > size || n > size - off) {
        JS_ThrowRangeError(ctx, "dmnative: range %llu+%llu is past the end of the buffer (%llu bytes)",
                           (unsigned long long)off, (unsigned long long)n, (unsigned long long)size);
        return NULL;
    }
    *len = (size_t)n;
    return p + off;
}

/* recvFrom(fd, arrayBuffer, offset, length) -> {n, size, address, port} or null when no datagram is waiting.
 * `size` is the datagram's real length (MSG_TRUNC): larger than n when it did not fit, so an oversized datagram is
 * recognised and dropped whole without ever being held in memory. */
static JSValue dm_recvFrom(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_storage ss;
    socklen_t alen = sizeof ss;
    int32_t fd;
    size_t len;
    ssize_t size;
    uint8_t *p;
    char detail[16];
    JSValue obj;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (!(p = dm_net_span(ctx, argc, argv, &len)))
        return JS_EXCEPTION;
    do
        size = recvfrom(fd, p, len, MSG_TRUNC | MSG_DONTWAIT, (struct sockaddr *)&ss, &alen);
    while (size < 0 && errno == EINTR);
    if (size < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NULL;
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_net_throw(ctx, errno, "recvFrom", detail);
    }
    obj = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, obj, "n", JS_NewInt64(ctx, (int64_t)((size_t)size < len ? (size_t)size : len)));
    JS_SetPropertyStr(ctx, obj, "size", JS_NewInt64(ctx, (int64_t)size));
    return dm_peer(ctx, &ss, obj);
}

/* accept(fd) -> {fd, address, port} (the new socket non-blocking, close-on-exec) or null when none is waiting. */
static JSValue dm_accept(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct sockaddr_storage ss;
    socklen_t alen = sizeof ss;
    int32_t fd;
    int c;
    char detail[16];
    JSValue obj;
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    do
        c = accept4(fd, (struct sockaddr *)&ss, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (c < 0 && errno == EINTR);
    if (c < 0) {
        /* ECONNABORTED: the peer gave up while queued; nothing to accept now */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
            return JS_NULL;
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_net_throw(ctx, errno, "accept", detail);
    }
    obj = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, obj, "fd", JS_NewInt32(ctx, c));
    return dm_peer(ctx, &ss, obj);
}

/* recv(fd, arrayBuffer, offset, length) -> bytes read (0 = the peer closed), or -1 when nothing is there yet.
 * send(fd, arrayBuffer, offset, length) -> bytes sent, or -1 when the send buffer is full. MSG_NOSIGNAL: a peer
 * that already closed gives EPIPE here instead of a SIGPIPE that would end the qjs process.
 * One function for both (magic 0 = recv, 1 = send): they differ only in the system call. */
static JSValue dm_stream_io(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)
{
    int32_t fd;
    size_t len;
    ssize_t n;
    uint8_t *p;
    char detail[16];
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (!(p = dm_net_span(ctx, argc, argv, &len)))
        return JS_EXCEPTION;
    do
        n = magic ? send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL) : recv(fd, p, len, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return JS_NewInt32(ctx, -1);
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_net_throw(ctx, errno, magic ? "send" : "recv", detail);
    }
    return JS_NewInt64(ctx, (int64_t)n);
}

/* shutdownWrite(fd): sends FIN after an answer while the rest of a refused request is still read and discarded
 * (closing with unread bytes would reset the connection, and the client could lose the answer). ENOTCONN (the
 * peer is already gone) is not an error. */
static JSValue dm_shutdownWrite(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t fd;
    char detail[16];
    if (JS_ToInt32(ctx, &fd, argv[0]))
        return JS_EXCEPTION;
    if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN) {
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_net_throw(ctx, errno, "shutdownWrite", detail);
    }
    return JS_UNDEFINED;
}

const JSCFunctionListEntry dm_net_funcs[] = {
    JS_CFUNC_DEF("udpBind", 2, dm_udpBind),
    JS_CFUNC_DEF("tcpListen", 3, dm_tcpListen),
    JS_CFUNC_DEF("localPort", 1, dm_localPort),
    JS_CFUNC_DEF("recvFrom", 4, dm_recvFrom),
    JS_CFUNC_DEF("accept", 1, dm_accept),
    JS_CFUNC_MAGIC_DEF("recv", 4, dm_stream_io, 0),
    JS_CFUNC_MAGIC_DEF("send", 4, dm_stream_io, 1),
    JS_CFUNC_DEF("shutdownWrite", 1, dm_shutdownWrite),
};

const int dm_net_funcs_count = sizeof dm_net_funcs / sizeof dm_net_funcs[0];
