/*
 * dmnative: the few native functions the QuickJS build of dm-agent needs and QuickJS's own `std`/`os` lack.
 *
 *  - SHA-256 (FIPS 180-4) in C (sha256.c), on the CPU's SHA instructions when it has them: pure-JS SHA-256 runs at
 *    about 1.5 MB/s on QuickJS, far too slow for firmware images (docs/design.md, "Checked facts"). sha256File
 *    hashes a file or a byte range with one fixed 1 MiB buffer so an image is never held in memory
 *    (docs/update-practice.md: no whole-image buffers), optionally read back from the medium (§10 step 4);
 *    sha256UpdateFile does the same in steps into an open handle, so the read-back can report its progress.
 *  - fsync / fdatasync / fsyncPath: QuickJS's `os` and `std` have no fsync, and the storage port promises
 *    "write temp, fsync, rename, fsync the directory" (src/ports/runtime.ts Storage.writeAtomic).
 *  - statvfsFree: free bytes before a download, so the update pipeline can refuse early.
 *  - lockFile / unlockFile: the exclusive flock(2) on <stateDir>/lock that keeps one agent per state directory
 *    (src/ports/runtime.ts StateLock). QuickJS has no flock; the kernel drops it when the process dies, even on SIGKILL.
 *  - udpBind / tcpListen / accept / recvFrom / recv / send / shutdownWrite / localPort (dmnative-net.c): receiving package 0 over
 *    UDP and HTTP without socat (OMA-TS-DM_Notification-V1_2; platform/quickjs/notify-native.ts).
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
#include <signal.h>
#include <unistd.h>

#include "quickjs.h"
#include "sha256.h"
#include "dmnative-net.h"
#include "dmnative-notify.h"

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

/* sha256Copy(handle): a new handle in the same state (Sha256Hasher.copy() in src/ports/update.ts: the digest of a
 * prefix while hashing goes on). */
static JSValue dm_sha256Copy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    dm_sha256 *from = dm_get_open_hash(ctx, argv[0]), *s;
    JSValue obj;
    if (!from)
        return JS_EXCEPTION;
    obj = JS_NewObjectClass(ctx, dm_sha256_class_id);
    if (JS_IsException(obj))
        return obj;
    s = js_malloc(ctx, sizeof *s);
    if (!s) {
        JS_FreeValue(ctx, obj);
        return JS_EXCEPTION;
    }
    memcpy(s, from, sizeof *s);
    JS_SetOpaque(obj, s);
    return obj;
}

/* sha256Impl(): the block function in use ("sha-ni", "armv8-ce" or "portable"). */
static JSValue dm_sha256Impl(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    return JS_NewString(ctx, dm_sha256_impl());
}

/* sha256Impls(): the paths this CPU can run, best first ("portable" always last). */
static JSValue dm_sha256Impls(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *const *names = dm_sha256_impls();
    JSValue arr = JS_NewArray(ctx);
    uint32_t i;
    if (JS_IsException(arr))
        return arr;
    for (i = 0; names[i]; i++)
        JS_SetPropertyUint32(ctx, arr, i, JS_NewString(ctx, names[i]));
    return arr;
}

/* sha256Use(name): switches every later hash of this process to a path ("auto" = the best one), for tests and
 * benchmarks. false when the CPU lacks it; RangeError for a name that is no path. */
static JSValue dm_sha256Use(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *name = JS_ToCString(ctx, argv[0]);
    int r;
    if (!name)
        return JS_EXCEPTION;
    r = dm_sha256_use(name);
    if (r < 0) {
        JS_ThrowRangeError(ctx, "dmnative.sha256Use(%s): not a SHA-256 path (expected auto, sha-ni, armv8-ce or portable)",
                           name);
        JS_FreeCString(ctx, name);
        return JS_EXCEPTION;
    }
    JS_FreeCString(ctx, name);
    return JS_NewBool(ctx, r);
}

/* How dm_hash_range reads its range: plainly, or as (a step of) the read-back from the medium. */
struct dm_read_mode {
    int medium;          /* the bytes come from the device: the pages of [drop_from, what is hashed) are dropped */
    uint64_t drop_from;  /* where the read-back began (its first step's offset) */
    int prepare;         /* its first step: fdatasync, then drop the cached pages of the prepared range */
    int prepare_to_eof;  /* the prepared range runs to the end of the file (else prepare_len bytes from off) */
    uint64_t prepare_len;
};

/* Hashes `len` bytes of `path` from `off` into `s` (to the end of the file when to_eof): 0, or -1 with a JS
 * exception thrown. One 256 KiB buffer per call (not static: qjs workers are threads and may hash at the same
 * time). */
static int dm_hash_range(JSContext *ctx, dm_sha256 *s, const char *path, const char *what, uint64_t off, uint64_t len,
                         int to_eof, const struct dm_read_mode *m)
{
    enum { BUF = 256 * 1024 };
    uint8_t *buf = NULL;
    uint64_t left = len;
    int fd, r = -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        dm_throw_errno(ctx, errno, what, path);
        return -1;
    }
    if (m->prepare) {
        if (fdatasync(fd) < 0 && errno != EINVAL && errno != EROFS) {
            dm_throw_errno(ctx, errno, what, path);
            goto done;
        }
        /* fadvise length 0 = to the end of the file (so an empty range is skipped); failures (a pipe: ESPIPE)
         * only mean the cache is not dropped */
        if (m->prepare_to_eof || m->prepare_len > 0)
            (void)posix_fadvise(fd, (off_t)off, m->prepare_to_eof ? 0 : (off_t)m->prepare_len, POSIX_FADV_DONTNEED);
    }
    /* readahead hint of this open file (each step of a read-back opens the file again) */
    if (m->medium && (to_eof || len > 0))
        (void)posix_fadvise(fd, (off_t)off, to_eof ? 0 : (off_t)len, POSIX_FADV_SEQUENTIAL);
    buf = js_malloc(ctx, BUF);
    if (!buf)
        goto done;
    while (to_eof || left > 0) {
        size_t want = BUF;
        ssize_t n;
        if (!to_eof && left < want)
            want = (size_t)left;
        n = pread(fd, buf, want, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            dm_throw_errno(ctx, errno, what, path);
            goto done;
        }
        if (n == 0) {
            if (to_eof)
                break;
            JS_ThrowRangeError(ctx, "dmnative.%s(%s): file ends %llu bytes before the requested range", what, path,
                               (unsigned long long)left);
            goto done;
        }
        dm_sha256_update(s, buf, (size_t)n);
        /* everything hashed so far, not only this chunk: the kernel keeps a large folio that is only partly
         * inside the range, and readahead may have cached one across a chunk (or step) boundary */
        if (m->medium)
            (void)posix_fadvise(fd, (off_t)m->drop_from, (off_t)(off + (uint64_t)n - m->drop_from), POSIX_FADV_DONTNEED);
        off += (uint64_t)n;
        left -= (uint64_t)n;
    }
    r = 0;
done:
    close(fd);
    js_free(ctx, buf);
    return r;
}

/* sha256File(path[, offset, length, fromMedium]): a missing length means "to the end of the file"; a file shorter
 * than offset+length is an error (a truncated download must never hash as if it were complete).
 *
 * fromMedium: the read-back that proves what the medium holds after a slot write (docs/update-practice.md §10 step
 * 4; WriterFs.sha256 in src/ports/writers.ts). Cached pages would prove only what the kernel meant to write, so:
 *  1. fdatasync first: the caller has synced, but a dirty page cannot be dropped and would be read from memory;
 *     an I/O error here means the medium does not hold the bytes and is thrown (EINVAL or EROFS, a file that
 *     cannot be or need not be synced, is not an error).
 *  2. posix_fadvise(POSIX_FADV_DONTNEED) over the whole range drops the now clean pages, so every read goes to the
 *     device; and again once each chunk is hashed, so the read-back never leaves the image in the page
 *     cache (it would push out the running system's pages: 256 MiB on a device with 512 MiB of RAM).
 * fadvise rather than O_DIRECT: O_DIRECT needs block-aligned buffers, offsets and lengths (the range may start
 * anywhere) and is refused outright by tmpfs and some FUSE file systems; on a file system without a medium
 * (tmpfs) fadvise simply keeps the pages, which are then the only copy (the WriterFs.sha256 contract).
 * One 256 KiB buffer per call (not static: qjs workers are threads and may hash at the same time); readahead
 * (POSIX_FADV_SEQUENTIAL) keeps the device busy between reads, and the agent stays within its memory budget. */
static JSValue dm_sha256File(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path = JS_ToCString(ctx, argv[0]);
    uint8_t out[32];
    uint64_t off, len;
    int to_eof, from_medium = 0;
    dm_sha256 s;
    struct dm_read_mode m;
    JSValue ret = JS_EXCEPTION;
    if (!path)
        return JS_EXCEPTION;
    to_eof = !(argc > 2 && !JS_IsUndefined(argv[2]));
    if (dm_get_range(ctx, argc, argv, 1, UINT64_MAX, &off, &len, 1))
        goto done;
    if (argc > 3)
        from_medium = JS_ToBool(ctx, argv[3]);
    m.medium = from_medium;
    m.drop_from = off;
    m.prepare = from_medium;
    m.prepare_to_eof = to_eof;
    m.prepare_len = len;
    dm_sha256_init(&s);
    if (dm_hash_range(ctx, &s, path, "sha256File", off, len, to_eof, &m))
        goto done;
    dm_sha256_final(&s, out);
    ret = JS_NewArrayBufferCopy(ctx, out, sizeof out);
done:
    JS_FreeCString(ctx, path);
    return ret;
}

/* sha256UpdateFile(handle, path, offset, length[, mediumFrom]): hashes `length` bytes of the file from `offset` into
 * an open handle (RangeError when the file is shorter), so a long hash can be taken in steps the caller reports
 * between (the read-back's progress, platform/quickjs/medium-hash.ts), with the digest of one sha256File call.
 * mediumFrom: this step belongs to a read-back from the medium that began at that offset (see sha256File). Its
 * first step (offset == mediumFrom) syncs and drops the cached pages from there to the end of the file, i.e. every
 * later step's range as well, before anything is read; each step drops what the read-back hashed so far. */
static JSValue dm_sha256UpdateFile(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    dm_sha256 *s = dm_get_open_hash(ctx, argv[0]);
    const char *path;
    uint64_t off, len, from = 0;
    struct dm_read_mode m;
    JSValue ret = JS_EXCEPTION;
    if (!s)
        return JS_EXCEPTION;
    if (argc < 4 || JS_IsUndefined(argv[2]) || JS_IsUndefined(argv[3]))
        return JS_ThrowTypeError(ctx, "dmnative.sha256UpdateFile: expected (handle, path, offset, length[, mediumFrom])");
    path = JS_ToCString(ctx, argv[1]);
    if (!path)
        return JS_EXCEPTION;
    if (dm_get_range(ctx, argc, argv, 2, UINT64_MAX, &off, &len, 1))
        goto done;
    m.medium = argc > 4 && !JS_IsUndefined(argv[4]);
    if (m.medium) {
        if (JS_ToIndex(ctx, &from, argv[4]))
            goto done;
        if (from > off) {
            JS_ThrowRangeError(ctx, "dmnative.sha256UpdateFile(%s): mediumFrom %llu is past this step's offset %llu", path,
                               (unsigned long long)from, (unsigned long long)off);
            goto done;
        }
    }
    m.drop_from = from;
    m.prepare = m.medium && from == off;
    m.prepare_to_eof = 1;
    m.prepare_len = 0;
    if (dm_hash_range(ctx, s, path, "sha256UpdateFile", off, len, 0, &m))
        goto done;
    ret = JS_UNDEFINED;
done:
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
    JS_CFUNC_DEF("sha256File", 4, dm_sha256File),
    JS_CFUNC_DEF("sha256UpdateFile", 5, dm_sha256UpdateFile),
    JS_CFUNC_DEF("sha256Copy", 1, dm_sha256Copy),
    JS_CFUNC_DEF("sha256Impl", 0, dm_sha256Impl),
    JS_CFUNC_DEF("sha256Impls", 0, dm_sha256Impls),
    JS_CFUNC_DEF("sha256Use", 1, dm_sha256Use),
    JS_CFUNC_DEF("fsync", 1, dm_fsync),
    JS_CFUNC_DEF("fdatasync", 1, dm_fdatasync),
    JS_CFUNC_DEF("fsyncPath", 1, dm_fsyncPath),
    JS_CFUNC_DEF("statvfsFree", 1, dm_statvfsFree),
    JS_CFUNC_DEF("lockFile", 1, dm_lockFile),
    JS_CFUNC_DEF("unlockFile", 1, dm_unlockFile),
    /* QuickJS's os names a few signals only; SIGUSR2's number differs between architectures (12 on x86 and ARM, 17 on
       MIPS), so the daemon's wake-up signal (docs/handoff.md) comes from the C library of the build. */
    JS_PROP_INT32_DEF("SIGUSR2", SIGUSR2, JS_PROP_ENUMERABLE),
};

static int dm_module_init(JSContext *ctx, JSModuleDef *m)
{
    if (JS_SetModuleExportList(ctx, m, dm_funcs, sizeof dm_funcs / sizeof dm_funcs[0]))
        return -1;
    if (JS_SetModuleExportList(ctx, m, dm_notify_funcs, dm_notify_funcs_count))
        return -1;
    return JS_SetModuleExportList(ctx, m, dm_net_funcs, dm_net_funcs_count);
}

JSModuleDef *js_init_module_dmnative(JSContext *ctx, const char *module_name)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    JSModuleDef *m;
    /* the SHA-256 path: once per process, from the CPU (or DMNATIVE_SHA256), before any hash */
    dm_sha256_select_once();
    /* one class id per process, one class registration per runtime (workers have their own runtime) */
    JS_NewClassID(&dm_sha256_class_id);
    if (!JS_IsRegisteredClass(rt, dm_sha256_class_id))
        JS_NewClass(rt, dm_sha256_class_id, &dm_sha256_class);
    m = JS_NewCModule(ctx, module_name, dm_module_init);
    if (!m)
        return NULL;
    JS_AddModuleExportList(ctx, m, dm_funcs, sizeof dm_funcs / sizeof dm_funcs[0]);
    JS_AddModuleExportList(ctx, m, dm_net_funcs, dm_net_funcs_count);
    JS_AddModuleExportList(ctx, m, dm_notify_funcs, dm_notify_funcs_count);
    return m;
}
