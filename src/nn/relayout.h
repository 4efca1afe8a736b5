/* relayout.h — nash's NCHW activations to and from oneDNN's nChw16c, the layout its AVX-512
 * convolutions read and write (channels in blocks of 16 innermost; a last, partial block padded
 * with zeros), in float32 or, going in, bf16 (rounded to nearest, ties to even; a NaN stays a
 * quiet NaN, as oneDNN converts).
 *
 * oneDNN's own reorders do the same at 1-2 ns per value on the reference workloads (a transpose
 * its generic jit reorder does one value at a time); these go 16x16 blocks at a time with AVX-512
 * where the CPU has it and fall back to the plain loops, which are also the reference the fast
 * ones are tested against, bit for bit (test_relayout). conv_onednn.c uses them where a
 * primitive asks for exactly this layout and its oneDNN reorder otherwise.
 *
 * x, y (N,C,P) float32  blocked (N, ceil(C/16), P, 16): float32, or uint16_t bf16 bits */
#ifndef NASH_NN_RELAYOUT_H
#define NASH_NN_RELAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RELAYOUT_BLOCK = 16 };

void nchw_to_blocked16(const float *x, int n, int c, size_t pixels, float *blocked);
void nchw_to_blocked16_bf16(const float *x, int n, int c, size_t pixels, uint16_t *blocked);
void blocked16_to_nchw(const float *blocked, int n, int c, size_t pixels, float *y);

/* The plain loops, whatever the CPU. */
void nchw_to_blocked16_naive(const float *x, int n, int c, size_t pixels, float *blocked);
void nchw_to_blocked16_bf16_naive(const float *x, int n, int c, size_t pixels, uint16_t *blocked);
void blocked16_to_nchw_naive(const float *blocked, int n, int c, size_t pixels, float *y);

/* One float32 to bf16 bits: to nearest, ties to even; NaN to a quiet NaN of the same sign. */
uint16_t relayout_bf16(float f);

/* Whether the float32 calls above take the AVX-512 path on this CPU, and the bf16 one (which
 * needs AVX512_BF16 as well). */
bool relayout_vectorised(void);
bool relayout_bf16_vectorised(void);

#endif
