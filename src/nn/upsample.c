/* upsample.c — nearest-neighbour upsampling (see upsample.h). */
#include "nn/upsample.h"

#include <stddef.h>

#include "core/clones.h"

/* x (N,C,H,W)  y (N,C,S*H,S*W) */
NASH_CLONES void upsample_forward(const Upsample *l, const float *x, float *y, int n) {
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
NASH_CLONES void upsample_backward(const Upsample *l, const float *dy, float *dx, int n) {
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
