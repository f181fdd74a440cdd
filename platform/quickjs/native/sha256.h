/*
 * SHA-256 (FIPS 180-4 §6.2) for dmnative, with the block function picked once at load time: the CPU's SHA
 * instructions when it has them (x86-64 SHA extensions, ARMv8 Cryptographic Extension), portable C otherwise.
 * Every path keeps the same state (the eight 32-bit words H0..H7 of FIPS 180-4 §6.2.2), so a hash begun on one
 * path can be continued on another (dm_sha256_use switches paths for tests and benchmarks).
 */
#ifndef DM_SHA256_H
#define DM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];   /* pending partial block */
    uint32_t used;       /* bytes in block */
    int finished;
} dm_sha256;

/* Compresses `blocks` consecutive 64-byte blocks at p into h (FIPS 180-4 §6.2.2 steps 1-4, per block). */
typedef void dm_sha256_blocks_fn(uint32_t h[8], const uint8_t *p, size_t blocks);

/* The round constants K0..K63 of FIPS 180-4 §4.2.2 (shared by every path). */
extern const uint32_t dm_sha256_k[64];

void dm_sha256_init(dm_sha256 *s);
void dm_sha256_update(dm_sha256 *s, const uint8_t *p, size_t n);
void dm_sha256_final(dm_sha256 *s, uint8_t out[32]);

/* The path in use: "sha-ni", "armv8-ce" or "portable". */
const char *dm_sha256_impl(void);
/* The paths this CPU can run, best first, NULL-terminated. */
const char *const *dm_sha256_impls(void);
/* Switches to the named path ("auto" = the best this CPU has): 1 done, 0 the CPU lacks it, -1 unknown name. */
int dm_sha256_use(const char *name);
/* Once per process: the best path, or the one named by the environment variable DMNATIVE_SHA256 (tests,
 * benchmarks). A value that cannot be honoured is reported on stderr and the best path is used. */
void dm_sha256_select_once(void);

/* The 64 rounds of one block in groups of four (FIPS 180-4 §6.2.2 steps 1-3), in the order both instruction sets
 * share: rounds 0-15 on the message words m0..m3, then each group first extends the schedule by four words
 * (SCHED4(a, b, c, d): W[t..t+3] into a, from the sixteen before it held in a..d) and runs four rounds on them
 * (RNDS4(m, t): rounds t..t+3 with W + K). Each accelerated file defines RNDS4 and SCHED4 for its instructions. */
#define DM_SHA256_64_ROUNDS(m0, m1, m2, m3)                                                                 \
    do {                                                                                                  \
        RNDS4(m0, 0); RNDS4(m1, 4); RNDS4(m2, 8); RNDS4(m3, 12);                                          \
        SCHED4(m0, m1, m2, m3); RNDS4(m0, 16); SCHED4(m1, m2, m3, m0); RNDS4(m1, 20);                     \
        SCHED4(m2, m3, m0, m1); RNDS4(m2, 24); SCHED4(m3, m0, m1, m2); RNDS4(m3, 28);                     \
        SCHED4(m0, m1, m2, m3); RNDS4(m0, 32); SCHED4(m1, m2, m3, m0); RNDS4(m1, 36);                     \
        SCHED4(m2, m3, m0, m1); RNDS4(m2, 40); SCHED4(m3, m0, m1, m2); RNDS4(m3, 44);                     \
        SCHED4(m0, m1, m2, m3); RNDS4(m0, 48); SCHED4(m1, m2, m3, m0); RNDS4(m1, 52);                     \
        SCHED4(m2, m3, m0, m1); RNDS4(m2, 56); SCHED4(m3, m0, m1, m2); RNDS4(m3, 60);                     \
    } while (0)

/* The accelerated block functions; each is compiled for its instructions only (per-function target
 * attributes) and must be called only when the CPU was found to have them. */
#if defined(__x86_64__) || defined(__i386__)
void dm_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t blocks);
int dm_sha256_cpu_has_shani(void);
#endif
#if defined(__aarch64__) || defined(__arm__)
void dm_sha256_blocks_armv8ce(uint32_t h[8], const uint8_t *p, size_t blocks);
int dm_sha256_cpu_has_armv8ce(void);
#endif

#endif
