/*
 * dmnative: the few native functions the QuickJS build of dm-agent needs and QuickJS's own `std`/`os` lack.
 *
 *  - SHA-256 (FIPS 180-4) in C: pure-JS SHA-256 runs at about 1.5 MB/s on QuickJS, far too slow for
 *    firmware images (docs/design.md, "Checked facts"). sha256File hashes a file or a byte range with one
 *    fixed 64 KiB buffer so an image is never held in memory (docs/update-practice.md: no whole-image buffers).
 *  - fsync / fdatasync / fsyncPath: QuickJS's `os` and `std` have no fsync, and the storage port promises
 *    "write temp, fsync, rename, fsync the directory" (src/ports/runtime.ts Storage.writeAtomic).
 *  - statvfsFree: free bytes before a download, so the update pipeline can refuse early.
 *  - lockFile / unlockFile: the exclusive flock(2) on <stateDir>/lock that keeps one agent per state directory
 *    (src/ports/runtime.ts StateLock). QuickJS has no flock; the kernel drops it when the process dies, even on SIGKILL.
 *
 * Registered as the module "dmnative" by a minimal patch to qjs.c (see scripts/build-qjs).
 * Errors are thrown as JS Error objects whose message names the call, the path or fd, and strerror(errno);
 * the numeric errno is also set as the `errno` property.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64 /* large images on 32-bit ARM (also set for the whole build by build-qjs) */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include "quickjs.h"

/* ---------------------------------------------------------------- SHA-256 (FIPS 180-4 §6.2) */

typedef struct {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];   /* pending partial block */
    uint32_t used;       /* bytes in block */
    int finished;
} dm_sha256;

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void dm_sha256_init(dm_sha256 *s)
{
    /* FIPS 180-4 §5.3.3 initial hash value */
    static const uint32_t H0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, H0, sizeof H0);
    s->total = 0;
    s->used = 0;
    s->finished = 0;
}

static void dm_sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
               ((uint32_t)p[4 * i + 2] << 8) | (uint32_t)p[4 * i + 3];
    for (i = 16; i < 64; i++) {
        uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
    for (i = 0; i < 64; i++) {
        t1 = hh + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void dm_sha256_update(dm_sha256 *s, const uint8_t *p, size_t n)
{
    s->total += n;
    if (s->used) {
        size_t take = 64 - s->used;
        if (take > n)
            take = n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used < 64)
            return;
        dm_sha256_block(s->h, s->block);
        s->used = 0;
    }
    while (n >= 64) {
        dm_sha256_block(s->h, p);
        p += 64;
        n -= 64;
    }
    if (n) {
        memcpy(s->block, p, n);
        s->used = n;
    }
}

static void dm_sha256_final(dm_sha256 *s, uint8_t out[32])
{
    /* FIPS 180-4 §5.1.1 padding: 0x80, zeros, then the message length in bits as 64-bit big endian */
    uint64_t bits = s->total * 8;
    uint8_t pad[72];
    size_t padlen = (s->used < 56) ? (56 - s->used) : (120 - s->used);
    int i;
    memset(pad, 0, sizeof pad);
    pad[0] = 0x80;
    for (i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    dm_sha256_update(s, pad, padlen + 8);
    for (i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
    s->finished = 1;
}

/* ---------------------------------------------------------------- errors */

/* Throws `Error("<what>: <strerror(err)>")` with an `errno` property (brief: "throw a JS Error with errno text"). */
static JSValue dm_throw_errno(JSContext *ctx, int err, const char *what, const char *detail)
{
    char msg[512];
    JSValue e = JS_NewError(ctx);
    if (detail)
        snprintf(msg, sizeof msg, "dmnative.%s(%s): %s", what, detail, strerror(err));
    else
        snprintf(msg, sizeof msg, "dmnative.%s: %s", what, strerror(err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

/* ---------------------------------------------------------------- sha256 handle class */

static JSClassID dm_sha256_class_id;

static void dm_sha256_finalizer(JSRuntime *rt, JSValue val)
{
    js_free_rt(rt, JS_GetOpaque(val, dm_sha256_class_id));
}

static JSClassDef dm_sha256_class = { "Sha256Handle", .finalizer = dm_sha256_finalizer };

static JSValue dm_sha256Init(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    dm_sha256 *s;
    JSValue obj = JS_NewObjectClass(ctx, dm_sha256_class_id);
    if (JS_IsException(obj))
        return obj;
    s = js_mallocz(ctx, sizeof *s);
    if (!s) {
        JS_FreeValue(ctx, obj);
        return JS_EXCEPTION;
    }
    dm_sha256_init(s);
    JS_SetOpaque(obj, s);
    return obj;
}

/* Finds the bytes of an ArrayBuffer or of any typed array / DataView (its visible window only). */
static uint8_t *dm_get_bytes(JSContext *ctx, JSValueConst v, size_t *len)
{
    size_t off, size, bpe;
    uint8_t *p;
    JSValue ab;
    /* JS_GetArrayBuffer throws a TypeError on non-ArrayBuffers; try the typed-array route first. */
    ab = JS_GetTypedArrayBuffer(ctx, v, &off, &size, &bpe);
    if (!JS_IsException(ab)) {
        p = JS_GetArrayBuffer(ctx, &bpe, ab);
        JS_FreeValue(ctx, ab);
        if (!p)
            return NULL;
        *len = size;
        return p + off;
    }
    JS_FreeValue(ctx, JS_GetException(ctx)); /* clear the TypeError from the typed-array probe */
    p = JS_GetArrayBuffer(ctx, len, v);
    if (!p) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        JS_ThrowTypeError(ctx, "dmnative: expected an ArrayBuffer or a Uint8Array");
    }
    return p;
}

/* Reads optional (offset, length) arguments at argv[i], argv[i+1] against a total size; -1 on error. */
static int dm_get_range(JSContext *ctx, int argc, JSValueConst *argv, int i, uint64_t total,
                        uint64_t *off, uint64_t *len, int length_may_exceed)
{
    *off = 0;
    if (argc > i && !JS_IsUndefined(argv[i])) {
        if (JS_ToIndex(ctx, off, argv[i]))
            return -1;
    }
    if (!length_may_exceed && *off > total) {
        JS_ThrowRangeError(ctx, "dmnative: offset %llu is past the end (%llu bytes)",
                           (unsigned long long)*off, (unsigned long long)total);
        return -1;
    }
    *len = total - (*off > total ? total : *off);
    if (argc > i + 1 && !JS_IsUndefined(argv[i + 1])) {
        if (JS_ToIndex(ctx, len, argv[i + 1]))
            return -1;
        if (!length_may_exceed && *len > total - *off) {
            JS_ThrowRangeError(ctx, "dmnative: range %llu+%llu is past the end (%llu bytes)",
                               (unsigned long long)*off, (unsigned long long)*len, (unsigned long long)total);
            return -1;
        }
    }
    return 0;
}

static dm_sha256 *dm_get_open_hash(JSContext *ctx, JSValueConst h)
{
    dm_sha256 *s = JS_GetOpaque2(ctx, h, dm_sha256_class_id);
    if (!s)
        return NULL;
    if (s->finished) {
        JS_ThrowTypeError(ctx, "dmnative: this sha256 handle was already finalized");
        return NULL;
    }
    return s;
}

static JSValue dm_sha256Update(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    dm_sha256 *s = dm_get_open_hash(ctx, argv[0]);
    uint8_t *p;
    size_t size;
    uint64_t off, len;
    if (!s)
        return JS_EXCEPTION;
    p = dm_get_bytes(ctx, argv[1], &size);
    if (!p)
        return JS_EXCEPTION;
    if (dm_get_range(ctx, argc, argv, 2, size, &off, &len, 0))
        return JS_EXCEPTION;
    dm_sha256_update(s, p + off, (size_t)len);
    return JS_UNDEFINED;
}

static JSValue dm_sha256Final(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t out[32];
    dm_sha256 *s = dm_get_open_hash(ctx, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    dm_sha256_final(s, out);
    return JS_NewArrayBufferCopy(ctx, out, sizeof out);
}

/* sha256File(path[, offset, length]): a missing length means "to the end of the file"; a file shorter than
 * offset+length is an error (a truncated download must never hash as if it were complete). */
static JSValue dm_sha256File(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    enum { BUF = 64 * 1024 };
    const char *path = JS_ToCString(ctx, argv[0]);
    uint8_t *buf = NULL, out[32];
    uint64_t off, len, left;
    int fd = -1, to_eof;
    dm_sha256 s;
    JSValue ret = JS_EXCEPTION;
    if (!path)
        return JS_EXCEPTION;
    to_eof = !(argc > 2 && !JS_IsUndefined(argv[2]));
    if (dm_get_range(ctx, argc, argv, 1, UINT64_MAX, &off, &len, 1))
        goto done;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dm_throw_errno(ctx, errno, "sha256File", path);
        goto done;
    }
    buf = js_malloc(ctx, BUF);
    if (!buf)
        goto done;
    dm_sha256_init(&s);
    left = len;
    while (to_eof || left > 0) {
        size_t want = BUF;
        ssize_t n;
        if (!to_eof && left < want)
            want = (size_t)left;
        n = pread(fd, buf, want, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            dm_throw_errno(ctx, errno, "sha256File", path);
            goto done;
        }
        if (n == 0) {
            if (to_eof)
                break;
            JS_ThrowRangeError(ctx, "dmnative.sha256File(%s): file ends %llu bytes before the requested range",
                               path, (unsigned long long)left);
            goto done;
        }
        dm_sha256_update(&s, buf, (size_t)n);
        off += (uint64_t)n;
        left -= (uint64_t)n;
    }
    dm_sha256_final(&s, out);
    ret = JS_NewArrayBufferCopy(ctx, out, sizeof out);
done:
    if (fd >= 0)
        close(fd);
    js_free(ctx, buf);
    JS_FreeCString(ctx, path);
    return ret;
}

/* ---------------------------------------------------------------- durability */

static int dm_get_fd(JSContext *ctx, JSValueConst v, int *fd)
{
    if (JS_ToInt32(ctx, fd, v))
        return -1;
    if (*fd < 0) {
        JS_ThrowRangeError(ctx, "dmnative: file descriptor must be >= 0, got %d", *fd);
        return -1;
    }
    return 0;
}

static JSValue dm_fsync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    char detail[16];
    if (dm_get_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (fsync(fd) < 0) {
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_throw_errno(ctx, errno, "fsync", detail);
    }
    return JS_UNDEFINED;
}

static JSValue dm_fdatasync(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    char detail[16];
    if (dm_get_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (fdatasync(fd) < 0) {
        snprintf(detail, sizeof detail, "%d", fd);
        return dm_throw_errno(ctx, errno, "fdatasync", detail);
    }
    return JS_UNDEFINED;
}

/* fsyncPath: for directories (the rename of a journal file is durable only once its directory is synced). */
static JSValue dm_fsyncPath(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    int fd, err = 0;
    if (!path)
        return JS_EXCEPTION;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        err = errno;
    if (fd >= 0)
        close(fd);
    if (err) {
        JSValue r = dm_throw_errno(ctx, err, "fsyncPath", path);
        JS_FreeCString(ctx, path);
        return r;
    }
    JS_FreeCString(ctx, path);
    return JS_UNDEFINED;
}

static JSValue dm_statvfsFree(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    struct statvfs st;
    JSValue r;
    if (!path)
        return JS_EXCEPTION;
    if (statvfs(path, &st) < 0)
        r = dm_throw_errno(ctx, errno, "statvfsFree", path);
    else /* bytes available to an unprivileged writer, as `df` reports them */
        r = JS_NewInt64(ctx, (int64_t)((uint64_t)st.f_bavail * (uint64_t)st.f_frsize));
    JS_FreeCString(ctx, path);
    return r;
}

/* ---------------------------------------------------------------- state lock */

/* lockFile(path): opens path (created 0600; O_NOFOLLOW so a planted symlink is refused; close-on-exec so curl and
 * installers never inherit it) and tries flock(LOCK_EX | LOCK_NB) once. Returns the descriptor, which holds the lock
 * until unlockFile or the process's death, after writing our pid into the file; or -1 when another process holds
 * it. Any other failure throws. */
static JSValue dm_lockFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    char pid[24];
    int fd, n, err = 0;
    if (!path)
        return JS_EXCEPTION;
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        JSValue r = dm_throw_errno(ctx, errno, "lockFile", path);
        JS_FreeCString(ctx, path);
        return r;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        err = errno;
        break;
    }
    if (err == EWOULDBLOCK) {
        close(fd);
        JS_FreeCString(ctx, path);
        return JS_NewInt32(ctx, -1);
    }
    if (!err) {
        n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
            err = errno ? errno : EIO;
    }
    if (err) {
        JSValue r;
        close(fd);
        r = dm_throw_errno(ctx, err, "lockFile", path);
        JS_FreeCString(ctx, path);
        return r;
    }
    JS_FreeCString(ctx, path);
    return JS_NewInt32(ctx, fd);
}

/* unlockFile(fd): empties the lock file (its pid is no longer true) and closes the descriptor: the lock is gone. */
static JSValue dm_unlockFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    if (dm_get_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (ftruncate(fd, 0) < 0) {
        /* nothing to do about it: the pid stays, closing still releases the lock */
    }
    close(fd);
    return JS_UNDEFINED;
}

/* ---------------------------------------------------------------- module */

static const JSCFunctionListEntry dm_funcs[] = {
    JS_CFUNC_DEF("sha256Init", 0, dm_sha256Init),
    JS_CFUNC_DEF("sha256Update", 4, dm_sha256Update),
    JS_CFUNC_DEF("sha256Final", 1, dm_sha256Final),
    JS_CFUNC_DEF("sha256File", 3, dm_sha256File),
    JS_CFUNC_DEF("fsync", 1, dm_fsync),
    JS_CFUNC_DEF("fdatasync", 1, dm_fdatasync),
    JS_CFUNC_DEF("fsyncPath", 1, dm_fsyncPath),
    JS_CFUNC_DEF("statvfsFree", 1, dm_statvfsFree),
    JS_CFUNC_DEF("lockFile", 1, dm_lockFile),
    JS_CFUNC_DEF("unlockFile", 1, dm_unlockFile),
};

static int dm_module_init(JSContext *ctx, JSModuleDef *m)
{
    return JS_SetModuleExportList(ctx, m, dm_funcs, sizeof dm_funcs / sizeof dm_funcs[0]);
}

JSModuleDef *js_init_module_dmnative(JSContext *ctx, const char *module_name)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    JSModuleDef *m;
    /* one class id per process, one class registration per runtime (workers have their own runtime) */
    JS_NewClassID(&dm_sha256_class_id);
    if (!JS_IsRegisteredClass(rt, dm_sha256_class_id))
        JS_NewClass(rt, dm_sha256_class_id, &dm_sha256_class);
    m = JS_NewCModule(ctx, module_name, dm_module_init);
    if (!m)
        return NULL;
    JS_AddModuleExportList(ctx, m, dm_funcs, sizeof dm_funcs / sizeof dm_funcs[0]);
    return m;
}
