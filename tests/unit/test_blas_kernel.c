/* test_blas_kernel.c — the choice of OpenBLAS kernel (core/blas.h), a pure function of what
 * OpenBLAS picked, what the CPU can run, the user's OPENBLAS_CORETYPE and what nash tried.
 *
 * The CPUs are the ones nash has met, written down from their own reports: the Intel Xeon of
 * family 6 model 207 (AVX-512 with BF16 and FP16, AMX) on which Debian's OpenBLAS 0.3.21 falls back
 * to Prescott, and the AMD EPYC of family 25 model 17 (AVX-512 with BF16) on which it picks
 * Cooperlake; then older and smaller ones. The last check probes this machine's CPU and requires
 * the decision for OpenBLAS's real pick to be consistent with it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/blas.h"
#include "core/cpu.h"

#define F(x) (1u << CPU_##x)
#define SSE_ALL (F(SSE3) | F(SSSE3) | F(SSE4_1) | F(SSE4_2))
#define AVX2_ALL (SSE_ALL | F(AVX) | F(FMA) | F(AVX2))
#define AVX512_ALL (AVX2_ALL | F(AVX512F) | F(AVX512DQ) | F(AVX512CD) | F(AVX512BW) | F(AVX512VL))

static const CpuInfo xeon_207 = {"GenuineIntel", "Intel(R) Xeon(R) Processor", 6, 207,
                                 AVX512_ALL | F(AVX512_BF16) | F(AVX512_FP16) | F(AMX_TILE) | F(AMX_BF16)};
static const CpuInfo epyc_zen4 = {"AuthenticAMD", "AMD EPYC", 25, 17, AVX512_ALL | F(AVX512_BF16)};
static const CpuInfo skylake_x = {"GenuineIntel", "Intel(R) Xeon(R) Gold 6148", 6, 85, AVX512_ALL};
static const CpuInfo haswell = {"GenuineIntel", "Intel(R) Xeon(R) E5-2680 v3", 6, 63, AVX2_ALL};
static const CpuInfo zen2 = {"AuthenticAMD", "AMD EPYC 7742", 23, 49, AVX2_ALL};
static const CpuInfo sandy = {"GenuineIntel", "Intel(R) Xeon(R) E5-2670", 6, 45, SSE_ALL | F(AVX)};
static const CpuInfo old = {"GenuineIntel", "Intel(R) Core(TM)2", 6, 15, F(SSE3) | F(SSSE3)};
/* AVX-512 without BW/VL (Knights Landing): not enough for SkylakeX's kernels */
static const CpuInfo knl = {"GenuineIntel", "Intel(R) Xeon Phi(TM) 7250", 6, 87, AVX2_ALL | F(AVX512F) | F(AVX512CD)};

static void expect(const char *what, BlasChoice got, BlasAction action, const char *kernel) {
    bool same_kernel = kernel ? (got.kernel && strcmp(got.kernel, kernel) == 0) : got.kernel == NULL;
    check_true(got.action == action && same_kernel, "%s: got action %d kernel %s, expected %d %s", what,
               (int)got.action, got.kernel ? got.kernel : "(none)", (int)action, kernel ? kernel : "(none)");
}

int main(void) {
    /* The Intel Xeon this issue was found on: Prescott, no user variable: Cooperlake. */
    expect("xeon 207, Prescott", blas_choose_kernel("Prescott", &xeon_207, NULL, NULL), BLAS_SWITCH, "Cooperlake");
    expect("xeon 207, Prescott, empty variable", blas_choose_kernel("Prescott", &xeon_207, "", ""), BLAS_SWITCH,
           "Cooperlake");
    /* ... the user's variable is never overridden, whatever it says */
    expect("xeon 207, user Prescott", blas_choose_kernel("Prescott", &xeon_207, "Prescott", NULL), BLAS_KEEP_USER,
           NULL);
    expect("xeon 207, user Haswell", blas_choose_kernel("Haswell", &xeon_207, "Haswell", NULL), BLAS_KEEP_USER, NULL);
    /* ... Cooperlake asked for but not given (an OpenBLAS without it): SkylakeX next, then stop */
    expect("xeon 207, Cooperlake tried", blas_choose_kernel("Prescott", &xeon_207, NULL, "Cooperlake"), BLAS_SWITCH,
           "SkylakeX");
    expect("xeon 207, both tried", blas_choose_kernel("Prescott", &xeon_207, NULL, "Cooperlake,SkylakeX"),
           BLAS_SWITCH, "Haswell");
    expect("xeon 207, all tried",
           blas_choose_kernel("Prescott", &xeon_207, NULL, "Cooperlake,SkylakeX,Haswell,Zen,Sandybridge"),
           BLAS_KEEP_TRIED, NULL);
    /* ... SkylakeX given after Cooperlake was not: below the CPU, nothing better left to ask */
    expect("xeon 207, got SkylakeX", blas_choose_kernel("SkylakeX", &xeon_207, NULL, "Cooperlake,SkylakeX"),
           BLAS_KEEP_TRIED, NULL);
    expect("xeon 207, Cooperlake", blas_choose_kernel("Cooperlake", &xeon_207, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("xeon 207, SapphireRapids", blas_choose_kernel("SapphireRapids", &xeon_207, NULL, NULL), BLAS_KEEP_BEST,
           NULL);

    /* The AMD EPYC (Zen 4): OpenBLAS 0.3.21 picks Cooperlake itself; an older one picks Zen. */
    expect("epyc zen4, Cooperlake", blas_choose_kernel("Cooperlake", &epyc_zen4, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("epyc zen4, Zen", blas_choose_kernel("Zen", &epyc_zen4, NULL, NULL), BLAS_SWITCH, "Cooperlake");
    expect("epyc zen4, Prescott", blas_choose_kernel("Prescott", &epyc_zen4, NULL, NULL), BLAS_SWITCH, "Cooperlake");

    /* Other CPUs: the best kernel each can run, never one it cannot. */
    expect("skylake-x, Prescott", blas_choose_kernel("Prescott", &skylake_x, NULL, NULL), BLAS_SWITCH, "SkylakeX");
    expect("skylake-x, Haswell", blas_choose_kernel("Haswell", &skylake_x, NULL, NULL), BLAS_SWITCH, "SkylakeX");
    expect("skylake-x, SkylakeX", blas_choose_kernel("SkylakeX", &skylake_x, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("haswell, Prescott", blas_choose_kernel("Prescott", &haswell, NULL, NULL), BLAS_SWITCH, "Haswell");
    expect("haswell, Sandybridge", blas_choose_kernel("Sandybridge", &haswell, NULL, NULL), BLAS_SWITCH, "Haswell");
    expect("haswell, Haswell", blas_choose_kernel("Haswell", &haswell, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("zen2, Prescott", blas_choose_kernel("Prescott", &zen2, NULL, NULL), BLAS_SWITCH, "Zen");
    expect("zen2, Zen tried", blas_choose_kernel("Prescott", &zen2, NULL, "Zen"), BLAS_SWITCH, "Haswell");
    expect("zen2, Zen", blas_choose_kernel("Zen", &zen2, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("zen2, Excavator", blas_choose_kernel("Excavator", &zen2, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("sandybridge, Prescott", blas_choose_kernel("Prescott", &sandy, NULL, NULL), BLAS_SWITCH, "Sandybridge");
    expect("core2, Prescott", blas_choose_kernel("Prescott", &old, NULL, NULL), BLAS_KEEP_BEST, NULL);
    expect("knights landing, Prescott", blas_choose_kernel("Prescott", &knl, NULL, NULL), BLAS_SWITCH, "Haswell");
    /* Names nash does not know are left alone; names match in any case. */
    expect("unknown core", blas_choose_kernel("Frobnicator", &xeon_207, NULL, NULL), BLAS_KEEP_UNKNOWN, NULL);
    expect("no core", blas_choose_kernel(NULL, &xeon_207, NULL, NULL), BLAS_KEEP_UNKNOWN, NULL);
    expect("lower-case core", blas_choose_kernel("prescott", &xeon_207, NULL, "cooperlake"), BLAS_SWITCH,
           "SkylakeX");

    check_true(blas_cpu_tier(&xeon_207) == BLAS_TIER_AVX512_BF16, "xeon 207 tier");
    check_true(blas_cpu_tier(&knl) == BLAS_TIER_AVX2, "knights landing tier");
    check_true(blas_core_tier("Prescott") == BLAS_TIER_SSE && blas_core_tier("Zen") == BLAS_TIER_AVX2,
               "core tiers");

    /* This machine: the probe reports a CPU, and the decision on OpenBLAS's own pick never asks
     * for a kernel above what the CPU can run. */
    CpuInfo here;
    cpu_probe(&here);
    char features[512];
    printf("this CPU: %s (%s family %d model %d): %s\n", here.model_name, here.vendor, here.family, here.model,
           cpu_features_text(&here, features, sizeof features));
#if defined(__x86_64__)
    check_true(cpu_has(&here, CPU_SSE3), "an x86-64 CPU reports SSE3");
#endif
    /* ... and agrees with the kernel's own reading of the same bits (Linux spells SSE3 "pni") */
    FILE *f = fopen("/proc/cpuinfo", "r");
    static char line[8192];
    bool found = false;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0) {
            found = true;
            break;
        }
    if (f) fclose(f);
    if (found) {
        line[strcspn(line, "\n")] = ' ';
        for (int i = 0; i < CPU_FEATURE_COUNT; i++) {
            char word[40];
            snprintf(word, sizeof word, " %s ", i == CPU_SSE3 ? "pni" : cpu_feature_name((CpuFeature)i));
            bool listed = strstr(line, word) != NULL;
            check_true(listed == cpu_has(&here, (CpuFeature)i), "cpuid says %s %s, /proc/cpuinfo says %s",
                       cpu_feature_name((CpuFeature)i), cpu_has(&here, (CpuFeature)i) ? "yes" : "no",
                       listed ? "yes" : "no");
        }
    }
    BlasChoice c = blas_choose_kernel(blas_core_name(), &here, NULL, NULL);
    printf("OpenBLAS runs %s; the decision: action %d kernel %s\n", blas_core_name(), (int)c.action,
           c.kernel ? c.kernel : "(keep)");
    check_true(c.action != BLAS_SWITCH || blas_core_tier(c.kernel) <= blas_cpu_tier(&here),
               "never a kernel above the CPU");
    return check_finish("blas_kernel");
}
