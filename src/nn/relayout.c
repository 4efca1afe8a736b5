/* relayout.c — NCHW to and from nChw16c and NHWC (see relayout.h).
 *
 * Both layouts keep channels innermost, so one description serves: where pixel p of channel
 * block b of sample s starts (Strides), and whether a last, partial block is padded to 16 lanes.
 * The fast path: for each sample and block of 16 channels, a tile of 16 channels x 16 pixels is
 * loaded as 16 rows (one channel's 16 consecutive pixels each), transposed in registers, and
 * stored as 16 pixels' channel vectors; the way back is the same transpose. A last tile of fewer
 * than 16 pixels, and a last block of fewer than 16 channels, are loaded and stored under masks:
 * nChw16c stores the padding lanes as zeros, NHWC stores only the block's channels. The bf16
 * path converts with the AVX512_BF16 instruction oneDNN's own reorders use (vcvtneps2bf16),
 * whose rounding the scalar relayout_bf16 spells out.
 */
#include "nn/relayout.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define RELAYOUT_X86 1
#endif

uint16_t relayout_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    uint32_t magnitude = u & 0x7fffffffu;
    if (magnitude > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);   /* NaN: quiet, same sign */
    if (magnitude < 0x00800000u) return (uint16_t)((u >> 16) & 0x8000u); /* zero, subnormal: signed zero */
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);           /* to nearest, ties to even */
}

/* ---- the layouts ---------------------------------------------------------------------------- */

static int blocks_of(int c) { return (c + RELAYOUT_BLOCK - 1) / RELAYOUT_BLOCK; }

/* Value offsets in the layout: sample s, block b, pixel p, lane k start at
 * s * sample + b * block + p * pixel + k. */
typedef struct {
    size_t sample, block, pixel;
    bool padded; /* a partial last block is 16 lanes wide, the rest zeros */
} Strides;

static Strides strides_of(RelayoutKind kind, int c, size_t pixels) {
    if (kind == RELAYOUT_NHWC) return (Strides){pixels * (size_t)c, RELAYOUT_BLOCK, (size_t)c, false};
    size_t block = pixels * RELAYOUT_BLOCK;
    return (Strides){(size_t)blocks_of(c) * block, block, RELAYOUT_BLOCK, true};
}

size_t relayout_size(RelayoutKind kind, int n, int c, size_t pixels) {
    return (size_t)n * strides_of(kind, c, pixels).sample;
}

/* Channels of block b that exist. */
static int block_channels(int c, int b) {
    return c - b * RELAYOUT_BLOCK < RELAYOUT_BLOCK ? c - b * RELAYOUT_BLOCK : RELAYOUT_BLOCK;
}

/* Where channel ch of pixel p of sample s lives in the layout. */
static size_t at(const Strides *l, int s, int ch, size_t p) {
    return (size_t)s * l->sample + (size_t)(ch / RELAYOUT_BLOCK) * l->block + p * l->pixel +
           (size_t)(ch % RELAYOUT_BLOCK);
}

/* ---- the plain loops ------------------------------------------------------------------------ */

/* The padding lanes of nChw16c's last block, zeroed: width = sizeof of one value. */
static void zero_padding(const Strides *l, int n, int c, size_t pixels, void *out, size_t width) {
    int kc = block_channels(c, blocks_of(c) - 1);
    if (!l->padded || kc == RELAYOUT_BLOCK) return;
    for (int s = 0; s < n; s++)
        for (size_t p = 0; p < pixels; p++)
            memset((char *)out + width * at(l, s, c, p), 0, width * (size_t)(RELAYOUT_BLOCK - kc));
}

void relayout_to_naive(RelayoutKind kind, const float *x, int n, int c, size_t pixels, float *out) {
    Strides l = strides_of(kind, c, pixels);
    zero_padding(&l, n, c, pixels, out, sizeof *out);
    for (int s = 0; s < n; s++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < pixels; p++)
                out[at(&l, s, ch, p)] = x[((size_t)s * (size_t)c + (size_t)ch) * pixels + p];
}

void relayout_to_bf16_naive(RelayoutKind kind, const float *x, int n, int c, size_t pixels, uint16_t *out) {
    Strides l = strides_of(kind, c, pixels);
    zero_padding(&l, n, c, pixels, out, sizeof *out);
    for (int s = 0; s < n; s++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < pixels; p++)
                out[at(&l, s, ch, p)] = relayout_bf16(x[((size_t)s * (size_t)c + (size_t)ch) * pixels + p]);
}

void relayout_from_naive(RelayoutKind kind, const float *in, int n, int c, size_t pixels, float *y) {
    Strides l = strides_of(kind, c, pixels);
    for (int s = 0; s < n; s++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < pixels; p++)
                y[((size_t)s * (size_t)c + (size_t)ch) * pixels + p] = in[at(&l, s, ch, p)];
}

/* ---- AVX-512 -------------------------------------------------------------------------------- */

#ifdef RELAYOUT_X86
#define AVX512 __attribute__((target("avx512f")))
#define AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/* r[i] (16 rows of 16) becomes its transpose: r[j][i] = old r[i][j]. */
static inline AVX512 void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int h = 0; h < 16; h += 8)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_f32x4(r[h + i], r[h + i + 4], 0xdd);
        }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

static __mmask16 first_lanes(int count) { return (__mmask16)((1u << count) - 1u); }

/* The tile at channels [c0, c0 + kc) and pixels [p, p + m) of one sample, transposed: r[j] holds
 * pixel p + j's 16 channels (zeros past kc, and past m). */
static inline AVX512 void load_tile(const float *x, size_t pixels, int kc, size_t p, int m, __m512 r[16]) {
    __mmask16 mask = first_lanes(m);
    for (int k = 0; k < 16; k++)
        r[k] = k < kc ? _mm512_maskz_loadu_ps(mask, x + (size_t)k * pixels + p) : _mm512_setzero_ps();
    transpose16(r);
}

static AVX512 void to_f32(RelayoutKind kind, const float *x, int n, int c, size_t pixels, float *out) {
    Strides l = strides_of(kind, c, pixels);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < blocks_of(c); b++) {
            const float *in = x + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            float *o = out + (size_t)s * l.sample + (size_t)b * l.block;
            int kc = block_channels(c, b);
            __mmask16 lanes = l.padded ? first_lanes(RELAYOUT_BLOCK) : first_lanes(kc);
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __m512 r[16];
                load_tile(in, pixels, kc, p, m, r);
                for (int j = 0; j < m; j++) _mm512_mask_storeu_ps(o + (p + (size_t)j) * l.pixel, lanes, r[j]);
            }
        }
}

static AVX512_BF16 void to_bf16(RelayoutKind kind, const float *x, int n, int c, size_t pixels, uint16_t *out) {
    Strides l = strides_of(kind, c, pixels);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < blocks_of(c); b++) {
            const float *in = x + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            uint16_t *o = out + (size_t)s * l.sample + (size_t)b * l.block;
            int kc = block_channels(c, b);
            __mmask16 lanes = l.padded ? first_lanes(RELAYOUT_BLOCK) : first_lanes(kc);
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __m512 r[16];
                load_tile(in, pixels, kc, p, m, r);
                for (int j = 0; j < m; j++)
                    _mm256_mask_storeu_epi16(o + (p + (size_t)j) * l.pixel, lanes, (__m256i)_mm512_cvtneps_pbh(r[j]));
            }
        }
}

static AVX512 void from_f32(RelayoutKind kind, const float *in, int n, int c, size_t pixels, float *y) {
    Strides l = strides_of(kind, c, pixels);
    for (int s = 0; s < n; s++)
        for (int b = 0; b < blocks_of(c); b++) {
            const float *i0 = in + (size_t)s * l.sample + (size_t)b * l.block;
            float *o = y + ((size_t)s * (size_t)c + (size_t)b * RELAYOUT_BLOCK) * pixels;
            int kc = block_channels(c, b);
            __mmask16 lanes = l.padded ? first_lanes(RELAYOUT_BLOCK) : first_lanes(kc);
            for (size_t p = 0; p < pixels; p += 16) {
                int m = pixels - p < 16 ? (int)(pixels - p) : 16;
                __mmask16 mask = first_lanes(m);
                __m512 r[16];
                for (int j = 0; j < 16; j++)
                    r[j] = j < m ? _mm512_maskz_loadu_ps(lanes, i0 + (p + (size_t)j) * l.pixel) : _mm512_setzero_ps();
                transpose16(r);
                for (int k = 0; k < kc; k++) _mm512_mask_storeu_ps(o + (size_t)k * pixels + p, mask, r[k]);
            }
        }
}

static AVX512_BF16 void cast_bf16(const float *x, size_t count, uint16_t *out) {
    size_t k = 0;
    for (; k + 16 <= count; k += 16)
        _mm256_storeu_si256((__m256i *)(void *)(out + k), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + k)));
    if (k < count) {
        __mmask16 m = first_lanes((int)(count - k));
        _mm256_mask_storeu_epi16(out + k, m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, x + k)));
    }
}

static int has_avx512 = -1, has_avx512_bf16 = -1;
/* has_avx512 is stored last: once it is set, both are. */
static void detect(void) {
    if (has_avx512 >= 0) return;
    __builtin_cpu_init();
    int f = __builtin_cpu_supports("avx512f") ? 1 : 0;
    has_avx512_bf16 = f && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                      __builtin_cpu_supports("avx512bf16");
    has_avx512 = f;
}
#endif

bool relayout_vectorised(void) {
#ifdef RELAYOUT_X86
    detect();
    return has_avx512;
#else
    return false;
#endif
}

bool relayout_bf16_vectorised(void) {
#ifdef RELAYOUT_X86
    detect();
    return has_avx512_bf16;
#else
    return false;
#endif
}

/* Without the x86 kernels the fast names are the plain loops. */
#ifndef RELAYOUT_X86
#define to_f32 relayout_to_naive
#define to_bf16 relayout_to_bf16_naive
#define from_f32 relayout_from_naive
#define cast_bf16 relayout_cast_bf16_naive
#endif

void relayout_to(RelayoutKind kind, const float *x, int n, int c, size_t pixels, float *out) {
    (relayout_vectorised() ? to_f32 : relayout_to_naive)(kind, x, n, c, pixels, out);
}

void relayout_to_bf16(RelayoutKind kind, const float *x, int n, int c, size_t pixels, uint16_t *out) {
    (relayout_bf16_vectorised() ? to_bf16 : relayout_to_bf16_naive)(kind, x, n, c, pixels, out);
}

void relayout_cast_bf16_naive(const float *x, size_t count, uint16_t *out) {
    for (size_t k = 0; k < count; k++) out[k] = relayout_bf16(x[k]);
}

void relayout_cast_bf16(const float *x, size_t count, uint16_t *out) {
    (relayout_bf16_vectorised() ? cast_bf16 : relayout_cast_bf16_naive)(x, count, out);
}

void relayout_from(RelayoutKind kind, const float *in, int n, int c, size_t pixels, float *y) {
    (relayout_vectorised() ? from_f32 : relayout_from_naive)(kind, in, n, c, pixels, y);
}
