/*
 * SHA-256 (FIPS 180-4): padding, the portable block function and the choice of path (see sha256.h).
 * The portable path is written for speed without special instructions (it must keep up with coreutils'
 * sha256sum; figures from `scripts/bench sha` in README.md): all 64 rounds written out with the working variables
 * renamed instead of shifted (FIPS 180-4 §6.2.2 step 3 computes the same values), the message schedule kept as a
 * 16-word window filled in the round that needs each word, the message read in place from the caller's buffer
 * (no per-block copy), Ch(x,y,z) = z ^ (x & (y ^ z)) (equal to FIPS 180-4 §4.1.2 (4.2)) and Maj(a,b,c) =
 * b ^ ((a ^ b) & (b ^ c)) (equal to (4.3)), whose b ^ c is the a ^ b of the round before (the names shift by one),
 * so each round computes one XOR for it instead of two.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const uint32_t dm_sha256_k[64] __attribute__((aligned(16))) = {
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
/* FIPS 180-4 (4.4) Σ0(x) = ROTR2(x) ^ ROTR13(x) ^ ROTR22(x) and (4.5) Σ1(x) = ROTR6(x) ^ ROTR11(x) ^ ROTR25(x), nested
 * (rotation distributes over XOR: ROTR2(ROTR11(ROTR9(x) ^ x) ^ x) = ROTR22(x) ^ ROTR13(x) ^ ROTR2(x)): the same
 * three rotations and two XORs, but one live copy of x instead of three, which keeps the round in registers
 * (measured about 10-15 % faster than the flat form with gcc -O2 on x86-64). */
#define BSIG0(x) ROTR(ROTR(ROTR((x), 9) ^ (x), 11) ^ (x), 2)
#define BSIG1(x) ROTR(ROTR(ROTR((x), 14) ^ (x), 5) ^ (x), 6)
#define SSIG0(x) (ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))   /* (4.6) */
#define SSIG1(x) (ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10)) /* (4.7) */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

static inline uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* One round t of FIPS 180-4 §6.2.2 step 3 with the variables renamed: what the standard calls h becomes the new a
 * (T1 + T2) and d becomes the new e (d + T1); the caller rotates the names instead of moving eight values.
 * `bc` carries b ^ c for Maj from the round before.
 * W_t comes from W(t): the message schedule (step 1) is kept as the last 16 words only, each computed in the round
 * that uses it, so it stays in registers next to the round arithmetic. */
#define ROUND(a, b, c, d, e, f, g, h, t)                                        \
    do {                                                                        \
        uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + dm_sha256_k[t] + W(t);    \
        uint32_t ab_ = (a) ^ (b);                                               \
        (d) += t1_;                                                             \
        (h) = t1_ + BSIG0(a) + ((b) ^ (ab_ & bc));                              \
        bc = ab_;                                                               \
    } while (0)
#define W(t) ((t) < 16 ? w[(t)] : (w[(t) & 15] += SSIG1(w[((t) - 2) & 15]) + w[((t) - 7) & 15] + SSIG0(w[((t) - 15) & 15])))
#define ROUNDS8(t)                                  \
    ROUND(a, b, c, d, e, f, g, h, (t));             \
    ROUND(h, a, b, c, d, e, f, g, (t) + 1);         \
    ROUND(g, h, a, b, c, d, e, f, (t) + 2);         \
    ROUND(f, g, h, a, b, c, d, e, (t) + 3);         \
    ROUND(e, f, g, h, a, b, c, d, (t) + 4);         \
    ROUND(d, e, f, g, h, a, b, c, (t) + 5);         \
    ROUND(c, d, e, f, g, h, a, b, (t) + 6);         \
    ROUND(b, c, d, e, f, g, h, a, (t) + 7)

static void dm_sha256_blocks_portable(uint32_t st[8], const uint8_t *p, size_t blocks)
{
    uint32_t w[16];
    while (blocks--) {
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
        uint32_t bc = b ^ c;
        int t;
        for (t = 0; t < 16; t++)
            w[t] = load_be32(p + 4 * t);
        /* all 64 rounds written out: constant indexes into w and K */
        ROUNDS8(0); ROUNDS8(8); ROUNDS8(16); ROUNDS8(24); ROUNDS8(32); ROUNDS8(40); ROUNDS8(48); ROUNDS8(56);
        /* step 4: the intermediate hash value */
        st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
        p += 64;
    }
}

/* ---------------------------------------------------------------- the path in use */

typedef struct {
    const char *name;
    dm_sha256_blocks_fn *fn;
    int (*cpu_has)(void); /* NULL: every CPU */
} dm_sha256_path;

static const dm_sha256_path dm_paths[] = {
#if defined(__x86_64__) || defined(__i386__)
    { "sha-ni", dm_sha256_blocks_shani, dm_sha256_cpu_has_shani },
#endif
#if defined(__aarch64__) || defined(__arm__)
    { "armv8-ce", dm_sha256_blocks_armv8ce, dm_sha256_cpu_has_armv8ce },
#endif
    { "portable", dm_sha256_blocks_portable, NULL },
};
#define DM_NPATHS (sizeof dm_paths / sizeof dm_paths[0])

/* Starts on the portable path so a hash before dm_sha256_select_once() is still right. */
static const dm_sha256_path *dm_current = &dm_paths[DM_NPATHS - 1];
static const char *dm_supported[DM_NPATHS + 1];

static int dm_path_ok(const dm_sha256_path *p)
{
    return !p->cpu_has || p->cpu_has();
}

const char *dm_sha256_impl(void)
{
    return dm_current->name;
}

const char *const *dm_sha256_impls(void)
{
    size_t i, n = 0;
    for (i = 0; i < DM_NPATHS; i++)
        if (dm_path_ok(&dm_paths[i]))
            dm_supported[n++] = dm_paths[i].name;
    dm_supported[n] = NULL;
    return dm_supported;
}

int dm_sha256_use(const char *name)
{
    size_t i;
    if (strcmp(name, "auto") == 0) {
        for (i = 0; i < DM_NPATHS; i++)
            if (dm_path_ok(&dm_paths[i])) {
                dm_current = &dm_paths[i];
                return 1;
            }
        return 0; /* not reached: portable is always there */
    }
    for (i = 0; i < DM_NPATHS; i++) {
        if (strcmp(name, dm_paths[i].name) == 0) {
            if (!dm_path_ok(&dm_paths[i]))
                return 0;
            dm_current = &dm_paths[i];
            return 1;
        }
    }
    /* a path of another architecture: known, but not on this CPU */
    if (strcmp(name, "sha-ni") == 0 || strcmp(name, "armv8-ce") == 0)
        return 0;
    return -1;
}

void dm_sha256_select_once(void)
{
    static int done;
    const char *want;
    int r;
    if (done)
        return;
    done = 1;
    want = getenv("DMNATIVE_SHA256");
    if (!want || !*want)
        want = "auto";
    r = dm_sha256_use(want);
    if (r == 1)
        return;
    dm_sha256_use("auto");
    if (r == 0)
        fprintf(stderr, "dmnative: DMNATIVE_SHA256=%s: this CPU lacks those instructions; using %s\n", want,
                dm_current->name);
    else
        fprintf(stderr,
                "dmnative: DMNATIVE_SHA256=%s is not a SHA-256 path (expected auto, sha-ni, armv8-ce or portable); "
                "using %s\n",
                want, dm_current->name);
}

/* ---------------------------------------------------------------- streaming (FIPS 180-4 §5.1.1, §6.2) */

void dm_sha256_init(dm_sha256 *s)
{
    /* FIPS 180-4 §5.3.3 initial hash value */
    static const uint32_t H0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    memcpy(s->h, H0, sizeof H0);
    s->total = 0;
    s->used = 0;
    s->finished = 0;
}

void dm_sha256_update(dm_sha256 *s, const uint8_t *p, size_t n)
{
    dm_sha256_blocks_fn *blocks = dm_current->fn;
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
        blocks(s->h, s->block, 1);
        s->used = 0;
    }
    if (n >= 64) {
        /* whole blocks straight from the caller's buffer, all in one call (the accelerated paths keep the
         * state in registers across blocks) */
        blocks(s->h, p, n / 64);
        p += n & ~(size_t)63;
        n &= 63;
    }
    if (n) {
        memcpy(s->block, p, n);
        s->used = n;
    }
}

void dm_sha256_final(dm_sha256 *s, uint8_t out[32])
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
