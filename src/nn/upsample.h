/* upsample.h — nearest-neighbour upsampling by an integer factor, torch.nn.Upsample(scale_factor=S,
 * mode="nearest"): y[c, i, j] = x[c, i / S, j / S]. Backward sums each S x S patch of dy. */
#ifndef NASH_NN_UPSAMPLE_H
#define NASH_NN_UPSAMPLE_H

#include <stdbool.h>

typedef struct {
    int c, h, w, scale;
    bool nhwc; /* x, y, dy, dx channels-last (N,H,W,C) (docs/layers.md); a factor of 2 only */
} Upsample;

/* x (N,C,H,W)  y (N,C,S*H,S*W), or both channels-last when nhwc */
void upsample_forward(const Upsample *l, const float *x, float *y, int n);
/* dy (N,C,S*H,S*W)  dx (N,C,H,W), written; or both channels-last when nhwc */
void upsample_backward(const Upsample *l, const float *dy, float *dx, int n);

/* The generic loops, any factor: the reference the factor-2 path is held to. */
void upsample_forward_naive(const Upsample *l, const float *x, float *y, int n);
void upsample_backward_naive(const Upsample *l, const float *dy, float *dx, int n);

#endif
