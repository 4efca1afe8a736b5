/* clones.h — NASH_CLONES: compile a hot loop's function three times, for baseline x86-64 (SSE2),
 * AVX2 and AVX-512, and let the CPU pick one when the program loads (GCC's and clang's
 * target_clones: an ifunc resolved once from cpuid).
 *
 * nash is built without -march so that one binary runs on any x86-64; OpenBLAS and oneDNN pick
 * their kernels at run time, but nash's own loops (batch norm, activations, the optimizers, the
 * pooling and upsampling layers) would otherwise stay 4 floats wide on CPUs with 16-float
 * vectors.
 *
 * The clones compute the same bits: the build is ISO C11 (-std=c11, so GCC does not contract
 * a * b + c into an FMA: -ffp-contract=off), without -ffast-math, so each clone performs the same
 * IEEE operations in the same order and only the vector width differs. Put NASH_CLONES on the
 * function that holds the loop: GCC may leave a helper it calls out of line, built for baseline
 * x86-64 (batch norm's row sums and Adam's step were, with the attribute on their callers). And
 * only on a static function, which a public one calls: clang 14 names an external function's
 * clones' resolver `f.ifunc` and leaves `f` itself undefined for the other files.
 *
 * Elsewhere (not x86-64, or a compiler without target_clones, or -DNASH_NO_CLONES) it expands to
 * nothing and the function is built once.
 */
#ifndef NASH_CORE_CLONES_H
#define NASH_CORE_CLONES_H

#if defined(__x86_64__) && defined(__has_attribute) && !defined(NASH_NO_CLONES)
#if __has_attribute(target_clones)
#define NASH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef NASH_CLONES
#define NASH_CLONES
#endif

#endif
