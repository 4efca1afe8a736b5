/* cpu.c — cpuid and xgetbv (cpu.h). Bit positions: Intel SDM vol. 2A, CPUID leaves 01H and 07H;
 * XCR0 state components: vol. 1, section 13.1. */
#include "core/cpu.h"

#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

void cpu_probe(CpuInfo *cpu) {
    memset(cpu, 0, sizeof *cpu);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned max_leaf = a;
    memcpy(cpu->vendor, &b, 4);
    memcpy(cpu->vendor + 4, &d, 4);
    memcpy(cpu->vendor + 8, &c, 4);
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000004u) {
        unsigned regs[12];
        for (unsigned i = 0; i < 3; i++)
            __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
        memcpy(cpu->model_name, regs, 48);
        /* trim the leading and trailing spaces some brand strings carry */
        char *s = cpu->model_name;
        while (*s == ' ') s++;
        memmove(cpu->model_name, s, strlen(s) + 1);
        for (size_t n = strlen(cpu->model_name); n > 0 && cpu->model_name[n - 1] == ' '; n--)
            cpu->model_name[n - 1] = '\0';
    }
    __get_cpuid(1, &a, &b, &c, &d);
    int family = (a >> 8) & 0xF, model = (a >> 4) & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family == 0x6 || family >= 0xF) model += ((a >> 16) & 0xF) << 4;
    cpu->family = family;
    cpu->model = model;

    uint32_t f = 0;
    if (c & (1u << 0)) f |= 1u << CPU_SSE3;
    if (c & (1u << 9)) f |= 1u << CPU_SSSE3;
    if (c & (1u << 19)) f |= 1u << CPU_SSE4_1;
    if (c & (1u << 20)) f |= 1u << CPU_SSE4_2;
    bool osxsave = c & (1u << 27);
    uint64_t xcr = osxsave ? xcr0() : 0;
    bool avx_state = (xcr & 0x6) == 0x6;           /* XMM and YMM */
    bool avx512_state = (xcr & 0xE6) == 0xE6;      /* and opmask, ZMM_Hi256, Hi16_ZMM */
    bool amx_state = (xcr & 0x60000) == 0x60000;   /* XTILECFG and XTILEDATA */
    if (avx_state && (c & (1u << 28))) f |= 1u << CPU_AVX;
    if (avx_state && (c & (1u << 12))) f |= 1u << CPU_FMA;
    if (max_leaf >= 7) {
        unsigned a7, b7, c7, d7;
        __cpuid_count(7, 0, a7, b7, c7, d7);
        unsigned max_sub = a7;
        if (avx_state && (b7 & (1u << 5))) f |= 1u << CPU_AVX2;
        if (avx512_state) {
            if (b7 & (1u << 16)) f |= 1u << CPU_AVX512F;
            if (b7 & (1u << 17)) f |= 1u << CPU_AVX512DQ;
            if (b7 & (1u << 28)) f |= 1u << CPU_AVX512CD;
            if (b7 & (1u << 30)) f |= 1u << CPU_AVX512BW;
            if (b7 & (1u << 31)) f |= 1u << CPU_AVX512VL;
            if (d7 & (1u << 23)) f |= 1u << CPU_AVX512_FP16;
        }
        if (amx_state && (d7 & (1u << 24))) f |= 1u << CPU_AMX_TILE;
        if (amx_state && (d7 & (1u << 22))) f |= 1u << CPU_AMX_BF16;
        if (max_sub >= 1) {
            __cpuid_count(7, 1, a7, b7, c7, d7);
            if (avx512_state && (a7 & (1u << 5))) f |= 1u << CPU_AVX512_BF16;
        }
    }
    cpu->features = f;
}
#else
void cpu_probe(CpuInfo *cpu) { memset(cpu, 0, sizeof *cpu); }
#endif

static const char *const feature_names[] = {
    [CPU_SSE3] = "sse3",         [CPU_SSSE3] = "ssse3",       [CPU_SSE4_1] = "sse4_1",
    [CPU_SSE4_2] = "sse4_2",     [CPU_AVX] = "avx",           [CPU_FMA] = "fma",
    [CPU_AVX2] = "avx2",         [CPU_AVX512F] = "avx512f",   [CPU_AVX512DQ] = "avx512dq",
    [CPU_AVX512CD] = "avx512cd", [CPU_AVX512BW] = "avx512bw", [CPU_AVX512VL] = "avx512vl",
    [CPU_AVX512_BF16] = "avx512_bf16", [CPU_AVX512_FP16] = "avx512_fp16", [CPU_AMX_TILE] = "amx_tile",
    [CPU_AMX_BF16] = "amx_bf16",
};
_Static_assert(sizeof feature_names / sizeof feature_names[0] == CPU_FEATURE_COUNT, "one name per CpuFeature");

const char *cpu_feature_name(CpuFeature f) { return (unsigned)f < CPU_FEATURE_COUNT ? feature_names[f] : "?"; }

char *cpu_features_text(const CpuInfo *cpu, char *buf, size_t size) {
    size_t used = 0;
    if (size) buf[0] = '\0';
    for (int f = 0; f < CPU_FEATURE_COUNT; f++) {
        if (!cpu_has(cpu, (CpuFeature)f)) continue;
        int n = snprintf(buf + used, size > used ? size - used : 0, "%s%s", used ? " " : "", feature_names[f]);
        if (n < 0 || (size_t)n >= size - used) break;
        used += (size_t)n;
    }
    return buf;
}
