/* upsample.c — nearest-neighbour upsampling (see upsample.h).
 *
 * The generic loops take any factor S; a factor of 2, the ResNet's, has its own: the generic
 * inner loops over S run 2 iterations and did not vectorise (2.4% of a ResNet step, perf,
 * 2026-12-07). The backward's patch sums go in the generic loops' order, from +0 (so a patch of
 * -0 sums to +0 in both), which keeps the two bit for bit the same (test_upsample). So do the
 * channels-last ones (a factor of 2 only), with a pixel's channels for one value. */
#include "nn/upsample.h"

#include <stddef.h>
#include <string.h>

#include "core/clones.h"

/* x (N,C,H,W)  y (N,C,S*H,S*W) */
void upsample_forward_naive(const Upsample *l, const float *x, float *y, int n) {
    const int S = l->scale, W = l->w, wo = W * S;
    const size_t planes = (size_t)n * l->c;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * l->h * W;
        float *yp = y + p * l->h * S * wo;
        for (int i = 0; i < l->h; i++) {
            float *row = yp + (size_t)i * S * wo;
            for (int j = 0; j < W; j++)
                for (int b = 0; b < S; b++) row[j * S + b] = xp[(size_t)i * W + j];
            for (int a = 1; a < S; a++)
                for (int k = 0; k < wo; k++) row[(size_t)a * wo + k] = row[k];
        }
    }
}

/* dy (N,C,S*H,S*W)  dx (N,C,H,W) */
void upsample_backward_naive(const Upsample *l, const float *dy, float *dx, int n) {
    const int S = l->scale, W = l->w, wo = W * S;
    const size_t planes = (size_t)n * l->c;
    for (size_t p = 0; p < planes; p++) {
        const float *gp = dy + p * l->h * S * wo;
        float *xp = dx + p * l->h * W;
        for (int i = 0; i < l->h; i++)
            for (int j = 0; j < W; j++) {
                float s = 0.0f;
                for (int a = 0; a < S; a++)
                    for (int b = 0; b < S; b++) s += gp[((size_t)i * S + a) * wo + (size_t)j * S + b];
                xp[(size_t)i * W + j] = s;
            }
    }
}

/* Every row of x, each value twice, then the output row twice. x (rows, W)  y (2 rows, 2W) */
NASH_CLONES static void double_rows(const float *x, size_t rows, int w, float *y) {
    for (size_t i = 0; i < rows; i++) {
        const float *xr = x + i * (size_t)w;
        float *yr = y + i * 4 * (size_t)w;
        for (int j = 0; j < w; j++) yr[2 * j] = yr[2 * j + 1] = xr[j];
        memcpy(yr + 2 * (size_t)w, yr, 2 * (size_t)w * sizeof(float));
    }
}

/* Each 2x2 patch of dy summed. dy (2 rows, 2W)  dx (rows, W) */
NASH_CLONES static void sum_patches(const float *dy, size_t rows, int w, float *dx) {
    for (size_t i = 0; i < rows; i++) {
        const float *a = dy + i * 4 * (size_t)w, *b = a + 2 * (size_t)w;
        float *xr = dx + i * (size_t)w;
        for (int j = 0; j < w; j++) xr[j] = 0.0f + a[2 * j] + a[2 * j + 1] + b[2 * j] + b[2 * j + 1];
    }
}

/* Channels-last: double_rows with each pixel's c channels for a value. x (rows, W, C)
 * y (2 rows, 2W, C) */
NASH_CLONES static void double_rows_nhwc(const float *x, size_t rows, int w, int c, float *y) {
    const size_t row = (size_t)w * (size_t)c;
    for (size_t i = 0; i < rows; i++) {
        const float *xr = x + i * row;
        float *yr = y + i * 4 * row;
        for (int j = 0; j < w; j++) {
            const float *v = xr + (size_t)j * c;
            float *out = yr + 2 * (size_t)j * c;
            for (int k = 0; k < c; k++) out[k] = out[c + k] = v[k];
        }
        memcpy(yr + 2 * row, yr, 2 * row * sizeof(float));
    }
}

/* Channels-last sum_patches, the same sums in the same order. dy (2 rows, 2W, C)  dx (rows, W, C) */
NASH_CLONES static void sum_patches_nhwc(const float *dy, size_t rows, int w, int c, float *dx) {
    const size_t row = (size_t)w * (size_t)c;
    for (size_t i = 0; i < rows; i++) {
        const float *a = dy + i * 4 * row, *b = a + 2 * row;
        float *xr = dx + i * row;
        for (int j = 0; j < w; j++) {
            const size_t l = 2 * (size_t)j * c, r = l + (size_t)c;
            for (int k = 0; k < c; k++) xr[(size_t)j * c + k] = 0.0f + a[l + k] + a[r + k] + b[l + k] + b[r + k];
        }
    }
}

void upsample_forward(const Upsample *l, const float *x, float *y, int n) {
    if (l->nhwc)
        double_rows_nhwc(x, (size_t)n * l->h, l->w, l->c, y);
    else if (l->scale == 2)
        double_rows(x, (size_t)n * l->c * l->h, l->w, y);
    else
        upsample_forward_naive(l, x, y, n);
}

void upsample_backward(const Upsample *l, const float *dy, float *dx, int n) {
    if (l->nhwc)
        sum_patches_nhwc(dy, (size_t)n * l->h, l->w, l->c, dx);
    else if (l->scale == 2)
        sum_patches(dy, (size_t)n * l->c * l->h, l->w, dx);
    else
        upsample_backward_naive(l, dy, dx, n);
}
