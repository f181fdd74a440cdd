/*
 * Closing the inherited descriptors in the child of QuickJS's os.exec (included into quickjs-libc.c by
 * scripts/build-qjs, which makes js_os_exec call dm_exec_close_fds() before its own loop).
 *
 * Why: QuickJS 2021-03-27 closes every descriptor from 3 up to sysconf(_SC_OPEN_MAX) one close(2) at a time, i.e.
 * about a million system calls per spawn under systemd's default hard limit (nofile 1048576): ~200 ms for each
 * flash writer, fw_setenv or health check the agent runs. The child still must not inherit the agent's descriptors
 * (pipes, the session socket, the state files): os.pipe and os.open do not set O_CLOEXEC.
 *
 * Order, fastest first, each used only when the one before is unavailable:
 *   1. close_range(3, ~0U, 0) (Linux >= 5.9): one system call. Called through syscall(2) with the generic number
 *      436 (the same on x86_64, arm64 and arm) so the binary neither needs glibc >= 2.34's wrapper at run time nor
 *      new kernel headers at build time; an older kernel answers ENOSYS.
 *   2. the numbers listed in /proc/self/fd, read with getdents64 into a stack buffer (the child of fork() must not
 *      call malloc, so no opendir/readdir).
 *   3. returns -1: the caller runs QuickJS's original loop up to sysconf(_SC_OPEN_MAX).
 * Descriptors 0-2 (already dup2'ed to the stdin/stdout/stderr asked for) are kept.
 *
 * DMNATIVE_CLOSE_FDS=proc or =loop skips the earlier ways (tests use it to check each fallback on each arch);
 * unset or any other value means all three.
 */
#ifndef DM_EXEC_CLOSE_FDS_H
#define DM_EXEC_CLOSE_FDS_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/* struct linux_dirent64 from getdents64(2); glibc < 2.30 does not declare it. */
struct dm_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static int dm_close_fds_proc(void)
{
    char buf[4096];
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buf, sizeof(buf));
        if (n < 0) {
            close(dir);
            return -1;
        }
        if (n == 0)
            break;
        for (long off = 0; off < n;) {
            struct dm_dirent64 *d = (struct dm_dirent64 *)(buf + off);
            const char *p = d->d_name;
            int fd = 0;
            off += d->d_reclen;
            if (*p < '0' || *p > '9')
                continue; /* "." and ".." */
            while (*p >= '0' && *p <= '9')
                fd = fd * 10 + (*p++ - '0');
            if (fd > 2 && fd != dir)
                close(fd);
        }
    }
    close(dir);
    return 0;
}

/* 0 when every descriptor above 2 is closed, -1 when the caller must fall back to its own loop. */
static int dm_exec_close_fds(void)
{
    const char *only = getenv("DMNATIVE_CLOSE_FDS");
    int skip_range = only && (strcmp(only, "proc") == 0 || strcmp(only, "loop") == 0);
    int skip_proc = only && strcmp(only, "loop") == 0;
    if (!skip_range && syscall(__NR_close_range, 3U, ~0U, 0U) == 0)
        return 0;
    if (!skip_proc && dm_close_fds_proc() == 0)
        return 0;
    return -1;
}

#endif
