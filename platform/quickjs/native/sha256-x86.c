/*
 * SHA-256 block function on the x86 SHA extensions (SHA-NI), and the check that the CPU has them.
 *
 * Instructions (Intel 64 and IA-32 Architectures Software Developer's Manual, Vol. 2, "SHA256RNDS2", "SHA256MSG1",
 * "SHA256MSG2"; background in Intel's white paper "Intel SHA Extensions", Gulley et al., 2013):
 *  - SHA256RNDS2 does two rounds of FIPS 180-4 §6.2.2 step 3. It keeps the working variables as two registers,
 *    ABEF and CDGH (A in the high lane), and takes W+K for the two rounds from the low 64 bits of XMM0. It returns
 *    the new ABEF; the old ABEF is the new CDGH. Four rounds are therefore two calls with the roles swapped.
 *  - SHA256MSG1(W[t-16..t-13], W[t-12..t-9]) = W[t-16..t-13] + σ0(W[t-15..t-12]) (FIPS 180-4 (6.2) step 1).
 *  - SHA256MSG2(X + W[t-7..t-4], W[t-4..t-1]) adds σ1(W[t-2]), σ1(W[t-1]) and then σ1 of the two words it has just
 *    made, giving W[t..t+3].
 * The CPU check (Intel SDM Vol. 2, CPUID): leaf 7 sub-leaf 0 EBX bit 29 = SHA; leaf 1 ECX bit 9 = SSSE3 (PSHUFB,
 * PALIGNR), bit 19 = SSE4.1 (PBLENDW), which the state shuffles need.
 * Only this function is compiled for those instructions (target attribute), so the rest of qjs runs on any x86-64.
 */
#include "sha256.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

int dm_sha256_cpu_has_shani(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) /* SSSE3, SSE4.1 */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) /* fails when the maximum leaf is below 7 */
        return 0;
    return (b >> 29) & 1; /* SHA */
}

/* Four rounds from message group m (W[t..t+3]) and K[t..t+3]: CDGH gets the new ABEF after two rounds, then
 * the old ABEF (now CDGH) gets the next two from the high half of W+K moved down. */
#define RNDS4(m, t)                                                                                \
    do {                                                                                           \
        __m128i wk_ = _mm_add_epi32((m), _mm_load_si128((const __m128i *)&dm_sha256_k[t]));       \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk_);                                             \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk_, 0x0e));                    \
    } while (0)

/* W[t..t+3] into m0 from m0 = W[t-16..t-13], m1 = W[t-12..t-9], m2 = W[t-8..t-5], m3 = W[t-4..t-1];
 * PALIGNR(m3, m2, 4) = W[t-7..t-4]. */
#define SCHED4(m0, m1, m2, m3) \
    (m0) = _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32((m0), (m1)), _mm_alignr_epi8((m3), (m2), 4)), (m3))

__attribute__((target("sha,ssse3,sse4.1")))
void dm_sha256_blocks_shani(uint32_t h[8], const uint8_t *p, size_t blocks)
{
    /* PSHUFB mask: each 32-bit word from big-endian message bytes (FIPS 180-4 §3.1 / §5.2.1) */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i abef, cdgh, t;
    /* h[0..3] = A B C D (A in lane 0), h[4..7] = E F G H: regroup as ABEF and CDGH, A and C in the high lanes */
    t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1);   /* C D A B (lane 3..0) */
    cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b); /* E F G H */
    abef = _mm_alignr_epi8(t, cdgh, 8);                                      /* A B E F */
    cdgh = _mm_blend_epi16(cdgh, t, 0xf0);                                   /* C D G H */
    while (blocks--) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), bswap);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), bswap);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), bswap);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), bswap);
        DM_SHA256_64_ROUNDS(m0, m1, m2, m3);
        /* FIPS 180-4 §6.2.2 step 4 */
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
        p += 64;
    }
    /* back to A B C D / E F G H */
    t = _mm_shuffle_epi32(abef, 0x1b);            /* F E B A */
    cdgh = _mm_shuffle_epi32(cdgh, 0xb1);         /* D C H G */
    abef = _mm_blend_epi16(t, cdgh, 0xf0);        /* D C B A */
    cdgh = _mm_alignr_epi8(cdgh, t, 8);           /* H G F E */
    _mm_storeu_si128((__m128i *)&h[0], abef);
    _mm_storeu_si128((__m128i *)&h[4], cdgh);
}
#endif
