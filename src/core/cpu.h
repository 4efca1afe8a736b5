/* cpu.h — what this x86-64 CPU is and which of its vector instruction sets the OS lets a program
 * use: vendor, family/model, brand string, and the features that decide a BLAS kernel.
 *
 * A feature counts only when both the CPU reports it (cpuid) and the OS saves its register state
 * (xgetbv: the AVX state for AVX/FMA/AVX2, the opmask and ZMM states for AVX-512, the tile states
 * for AMX). On other architectures cpu_probe reports no features.
 */
#ifndef NASH_CORE_CPU_H
#define NASH_CORE_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CPU_SSE3,
    CPU_SSSE3,
    CPU_SSE4_1,
    CPU_SSE4_2,
    CPU_AVX,
    CPU_FMA,
    CPU_AVX2,
    CPU_AVX512F,
    CPU_AVX512DQ,
    CPU_AVX512CD,
    CPU_AVX512BW,
    CPU_AVX512VL,
    CPU_AVX512_BF16,
    CPU_AVX512_FP16,
    CPU_AMX_TILE,
    CPU_AMX_BF16,
    CPU_FEATURE_COUNT
} CpuFeature;

typedef struct {
    char vendor[13];      /* "GenuineIntel", "AuthenticAMD", "" when unknown */
    char model_name[49];  /* the brand string: "Intel(R) Xeon(R) Platinum 8573C", "AMD EPYC" */
    int family, model;    /* display family and model, extended fields folded in (6, 207) */
    uint32_t features;    /* bit (1u << CpuFeature) per usable feature */
} CpuInfo;

/* Fill *cpu from cpuid and xgetbv on this machine. */
void cpu_probe(CpuInfo *cpu);

static inline bool cpu_has(const CpuInfo *cpu, CpuFeature f) { return (cpu->features >> f) & 1u; }

/* The Linux /proc/cpuinfo spelling of a feature: "avx512_bf16", "amx_tile". */
const char *cpu_feature_name(CpuFeature f);

/* The usable features as space-separated names into buf ("" when none); returns buf. */
char *cpu_features_text(const CpuInfo *cpu, char *buf, size_t size);

#endif
