/* blas.h — which OpenBLAS kernel runs nash's sgemm, and which one should.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks a kernel family ("core") for the CPU when the
 * library loads, or takes the one named in OPENBLAS_CORETYPE. An OpenBLAS older than the CPU does
 * not know it and falls back far below it: Debian's 0.3.21 runs its SSE3 "Prescott" kernels on a
 * Xeon of family 6 model 207 (AVX-512, AMX), 28 GFLOP/s at 1024³ instead of 149 with Cooperlake.
 *
 * blas_choose_kernel is the decision, a pure function of what OpenBLAS picked, what the CPU can
 * run, the user's OPENBLAS_CORETYPE and the kernels nash has already asked for; cli/ acts on it
 * by running nash again with OPENBLAS_CORETYPE set (docs/building.md, "The BLAS kernel").
 */
#ifndef NASH_CORE_BLAS_H
#define NASH_CORE_BLAS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/cpu.h"

/* The instruction-set levels that matter to sgemm, lowest first. */
typedef enum {
    BLAS_TIER_UNKNOWN = -1,
    BLAS_TIER_SSE,        /* Prescott, Core2, Penryn, Nehalem, Atom, Opteron, Barcelona, ... */
    BLAS_TIER_AVX,        /* Sandybridge, Bulldozer, Piledriver, Steamroller */
    BLAS_TIER_AVX2,       /* Haswell, Zen, Excavator: AVX2 + FMA */
    BLAS_TIER_AVX512,     /* SkylakeX: AVX-512 F, DQ, CD, BW, VL */
    BLAS_TIER_AVX512_BF16 /* Cooperlake, SapphireRapids: and AVX512_BF16 */
} BlasTier;

typedef enum {
    BLAS_KEEP_BEST,    /* OpenBLAS's own pick is as good as this CPU allows */
    BLAS_KEEP_USER,    /* the user set OPENBLAS_CORETYPE: never overridden */
    BLAS_KEEP_UNKNOWN, /* a core name nash does not know: it cannot judge */
    BLAS_KEEP_TRIED,   /* below the CPU, but nash asked for every better kernel already */
    BLAS_SWITCH        /* run again with OPENBLAS_CORETYPE = kernel */
} BlasAction;

typedef struct {
    BlasAction action;
    const char *kernel;  /* BLAS_SWITCH: the OPENBLAS_CORETYPE value to ask for; else NULL */
    BlasTier core_tier;  /* of the core OpenBLAS runs */
    BlasTier cpu_tier;   /* the highest this CPU can run */
} BlasChoice;

/* The tier of an OpenBLAS core name (as openblas_get_corename() spells it, any case). */
BlasTier blas_core_tier(const char *core);

/* The highest tier this CPU can run. */
BlasTier blas_cpu_tier(const CpuInfo *cpu);

/* "SSE", "AVX", "AVX2", "AVX-512", "AVX-512 BF16". */
const char *blas_tier_name(BlasTier tier);

/* The decision. core: the kernel OpenBLAS runs now. user_coretype: OPENBLAS_CORETYPE as the user
 * set it (NULL or "" when unset; pass NULL when nash itself set it). tried: the kernels nash has
 * asked for so far, comma-separated (NULL or "" for none). Switches only when the running kernel
 * is below the CPU's tier, to the best kernel for the CPU not yet tried that is above the running
 * one: Cooperlake, then SkylakeX, then Zen (AMD) or Haswell, then Sandybridge. */
BlasChoice blas_choose_kernel(const char *core, const CpuInfo *cpu, const char *user_coretype, const char *tried);

/* What OpenBLAS reports of itself: the core name ("Cooperlake"), its build configuration
 * ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64") and the number
 * of threads it will use. */
const char *blas_core_name(void);
const char *blas_config(void);
int blas_threads(void);
/* Use n threads from now on. */
void blas_set_threads(int n);

#endif
