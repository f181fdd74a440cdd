/*
 * SHA-256 block function on the ARMv8 Cryptographic Extension, for arm64 and for 32-bit ARM (armhf) running on an
 * ARMv8 core, and the check that the CPU has it.
 *
 * Instructions (Arm Architecture Reference Manual for A-profile, Arm DDI 0487, "SHA256H", "SHA256H2",
 * "SHA256SU0", "SHA256SU1"; the same operations in AArch32 as VSHA256H etc.):
 *  - SHA256H(ABCD, EFGH, W+K) gives ABCD after four rounds of FIPS 180-4 §6.2.2 step 3, SHA256H2(EFGH, ABCD,
 *    W+K) the matching EFGH; both need the ABCD from before the rounds.
 *  - SHA256SU0(W[t-16..t-13], W[t-12..t-9]) = W[t-16..t-13] + σ0(W[t-15..t-12]); SHA256SU1(that, W[t-8..t-5],
 *    W[t-4..t-1]) adds W[t-7..t-4] and σ1 of the two words before each: W[t..t+3] (FIPS 180-4 (6.2) step 1).
 * The CPU check is the kernel's, from the ELF auxiliary vector (Linux ELF hwcaps ABI): HWCAP_SHA2 = bit 6 of
 * AT_HWCAP on arm64; HWCAP2_SHA2 = bit 3 of AT_HWCAP2 for 32-bit ARM, which an ARMv8 core's kernel also reports
 * to armhf processes. Spelled out here because not every libc's <sys/auxv.h> carries the names.
 * Only this function is compiled for the extension (target attribute), so qjs still runs on cores without it.
 */
#include "sha256.h"

#if defined(__aarch64__) || defined(__arm__)
#include <arm_neon.h>
#include <sys/auxv.h>

#if defined(__aarch64__)
#define DM_HWCAP_WORD AT_HWCAP
#define DM_HWCAP_SHA2 (1ul << 6) /* HWCAP_SHA2 */
#define DM_CE_TARGET __attribute__((target("+crypto")))
#else
#define DM_HWCAP_WORD AT_HWCAP2
#define DM_HWCAP_SHA2 (1ul << 3) /* HWCAP2_SHA2 */
#define DM_CE_TARGET __attribute__((target("fpu=crypto-neon-fp-armv8")))
#endif

int dm_sha256_cpu_has_armv8ce(void)
{
    return (getauxval(DM_HWCAP_WORD) & DM_HWCAP_SHA2) != 0;
}

/* Four rounds from message group m (W[t..t+3]) and K[t..t+3]. */
#define RNDS4(m, t)                                          \
    do {                                                     \
        uint32x4_t wk_ = vaddq_u32((m), vld1q_u32(&dm_sha256_k[t])); \
        uint32x4_t abcd_ = abcd;                             \
        abcd = vsha256hq_u32(abcd, efgh, wk_);               \
        efgh = vsha256h2q_u32(efgh, abcd_, wk_);             \
    } while (0)

/* W[t..t+3] into m0 from m0 = W[t-16..t-13], m1 = W[t-12..t-9], m2 = W[t-8..t-5], m3 = W[t-4..t-1]. */
#define SCHED4(m0, m1, m2, m3) (m0) = vsha256su1q_u32(vsha256su0q_u32((m0), (m1)), (m2), (m3))

/* A message word group: four big-endian words (FIPS 180-4 §3.1) from unaligned bytes. */
#define LOAD4(q) vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(q)))

DM_CE_TARGET
void dm_sha256_blocks_armv8ce(uint32_t h[8], const uint8_t *p, size_t blocks)
{
    uint32x4_t abcd = vld1q_u32(&h[0]), efgh = vld1q_u32(&h[4]);
    while (blocks--) {
        const uint32x4_t abcd0 = abcd, efgh0 = efgh;
        uint32x4_t m0 = LOAD4(p), m1 = LOAD4(p + 16), m2 = LOAD4(p + 32), m3 = LOAD4(p + 48);
        DM_SHA256_64_ROUNDS(m0, m1, m2, m3);
        /* FIPS 180-4 §6.2.2 step 4 */
        abcd = vaddq_u32(abcd, abcd0);
        efgh = vaddq_u32(efgh, efgh0);
        p += 64;
    }
    vst1q_u32(&h[0], abcd);
    vst1q_u32(&h[4], efgh);
}
#endif
