/* blas.c — OpenBLAS's kernel, and the choice of a better one (blas.h). */
#include "core/blas.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* OpenBLAS's own queries (cblas.h declares them too, but with non-const char * returns). */
char *openblas_get_corename(void);
char *openblas_get_config(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

const char *blas_core_name(void) { return openblas_get_corename(); }
const char *blas_config(void) { return openblas_get_config(); }
int blas_threads(void) { return openblas_get_num_threads(); }
void blas_set_threads(int n) { openblas_set_num_threads(n); }

/* Every x86-64 core name of OpenBLAS 0.3.21's DYNAMIC_ARCH build (driver/others/dynamic.c,
 * corename[]), with the instruction set its sgemm kernel needs. */
static const struct {
    const char *name;
    BlasTier tier;
} cores[] = {
    {"Katmai", BLAS_TIER_SSE},         {"Coppermine", BLAS_TIER_SSE}, {"Northwood", BLAS_TIER_SSE},
    {"Prescott", BLAS_TIER_SSE},       {"Banias", BLAS_TIER_SSE},     {"Atom", BLAS_TIER_SSE},
    {"Core2", BLAS_TIER_SSE},          {"Penryn", BLAS_TIER_SSE},     {"Dunnington", BLAS_TIER_SSE},
    {"Nehalem", BLAS_TIER_SSE},        {"Athlon", BLAS_TIER_SSE},     {"Opteron", BLAS_TIER_SSE},
    {"Opteron_SSE3", BLAS_TIER_SSE},   {"Barcelona", BLAS_TIER_SSE},  {"Nano", BLAS_TIER_SSE},
    {"Bobcat", BLAS_TIER_SSE},         {"Sandybridge", BLAS_TIER_AVX}, {"Bulldozer", BLAS_TIER_AVX},
    {"Piledriver", BLAS_TIER_AVX},     {"Steamroller", BLAS_TIER_AVX}, {"Haswell", BLAS_TIER_AVX2},
    {"Excavator", BLAS_TIER_AVX2},     {"Zen", BLAS_TIER_AVX2},       {"SkylakeX", BLAS_TIER_AVX512},
    {"Cooperlake", BLAS_TIER_AVX512_BF16}, {"SapphireRapids", BLAS_TIER_AVX512_BF16},
};

BlasTier blas_core_tier(const char *core) {
    if (!core) return BLAS_TIER_UNKNOWN;
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (strcasecmp(cores[i].name, core) == 0) return cores[i].tier;
    return BLAS_TIER_UNKNOWN;
}

BlasTier blas_cpu_tier(const CpuInfo *cpu) {
    bool avx512 = cpu_has(cpu, CPU_AVX512F) && cpu_has(cpu, CPU_AVX512DQ) && cpu_has(cpu, CPU_AVX512CD) &&
                  cpu_has(cpu, CPU_AVX512BW) && cpu_has(cpu, CPU_AVX512VL);
    if (avx512 && cpu_has(cpu, CPU_AVX512_BF16)) return BLAS_TIER_AVX512_BF16;
    if (avx512) return BLAS_TIER_AVX512;
    if (cpu_has(cpu, CPU_AVX2) && cpu_has(cpu, CPU_FMA)) return BLAS_TIER_AVX2;
    if (cpu_has(cpu, CPU_AVX)) return BLAS_TIER_AVX;
    return BLAS_TIER_SSE;
}

const char *blas_tier_name(BlasTier tier) {
    switch (tier) {
    case BLAS_TIER_SSE: return "SSE";
    case BLAS_TIER_AVX: return "AVX";
    case BLAS_TIER_AVX2: return "AVX2";
    case BLAS_TIER_AVX512: return "AVX-512";
    case BLAS_TIER_AVX512_BF16: return "AVX-512 BF16";
    case BLAS_TIER_UNKNOWN: break;
    }
    return "unknown";
}

/* True when `name` is one of the comma-separated words of `list` (any case). */
static bool list_has(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0) return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

BlasChoice blas_choose_kernel(const char *core, const CpuInfo *cpu, const char *user_coretype, const char *tried) {
    BlasChoice c = {.action = BLAS_KEEP_BEST, .core_tier = blas_core_tier(core), .cpu_tier = blas_cpu_tier(cpu)};
    if (user_coretype && *user_coretype) {
        c.action = BLAS_KEEP_USER;
        return c;
    }
    if (c.core_tier == BLAS_TIER_UNKNOWN) {
        c.action = BLAS_KEEP_UNKNOWN;
        return c;
    }
    if (c.core_tier >= c.cpu_tier) return c;
    bool amd = strcmp(cpu->vendor, "AuthenticAMD") == 0;
    /* Best first; each is tried only while the CPU can run it and it beats the running core. */
    const char *const candidates[] = {"Cooperlake", "SkylakeX", amd ? "Zen" : "Haswell", amd ? "Haswell" : "Zen",
                                      "Sandybridge"};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        BlasTier t = blas_core_tier(candidates[i]);
        if (t > c.cpu_tier || t <= c.core_tier || list_has(tried, candidates[i])) continue;
        c.action = BLAS_SWITCH;
        c.kernel = candidates[i];
        return c;
    }
    c.action = BLAS_KEEP_TRIED;
    return c;
}
