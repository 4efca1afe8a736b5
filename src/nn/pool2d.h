/* pool2d.h — max and average 2-D pooling (torch.nn.MaxPool2d / AvgPool2d, ceil_mode False).
 *
 * Max: padding counts as -inf; backward routes dy to the first maximum of each window in
 * row-major order (recomputed from x, so no index buffer). Average: divides by kh*kw when
 * count_include_pad (PyTorch's default), otherwise by the number of in-bounds pixels.
 */
#ifndef NASH_NN_POOL2D_H
#define NASH_NN_POOL2D_H

#include <stdbool.h>

typedef enum { POOL2D_MAX, POOL2D_AVG } Pool2dKind;

typedef struct {
    Pool2dKind kind;
    int c, h, w, ho, wo;
    int kh, kw, sh, sw, ph, pw;
    bool count_include_pad;
    bool nhwc; /* x, y, dy, dx channels-last (N,H,W,C) (docs/layers.md); pool2d_takes_nhwc says when */
} Pool2d;

/* Whether the fast kernels take channels-last tensors for this pooling: average over 2x2
 * windows with stride 2 and no padding. */
bool pool2d_takes_nhwc(const Pool2d *l);

/* x (N,C,H,W)  y (N,C,Ho,Wo) */
void pool2d_forward(const Pool2d *l, const float *x, float *y, int n);
/* The derivative of the output along rx (N,C,H,W): ry (N,C,Ho,Wo), the average of rx over each
 * window, or (max) rx at the window's maximum in x; backward routes a tangent's gradient the
 * same way as any other, so pool2d_backward is the rest of its double backprop. */
void pool2d_tangent(const Pool2d *l, const float *x, const float *rx, float *ry, int n);
/* x (N,C,H,W)  dy (N,C,Ho,Wo)  dx (N,C,H,W), written */
void pool2d_backward(const Pool2d *l, const float *x, const float *dy, float *dx, int n);

/* The defining loops, for any window: the reference the calls above are tested against (they take
 * a faster way for 2x2 average pooling with stride 2, bit for bit the same). */
void pool2d_forward_naive(const Pool2d *l, const float *x, float *y, int n);
void pool2d_backward_naive(const Pool2d *l, const float *x, const float *dy, float *dx, int n);

/* Global sum pooling (SNGAN's discriminator: torch.sum(x, dim=(2, 3))), over S = H*W values per
 * channel, summed in double. x (N,C,S)  y (N,C) */
void sumpool_forward(const float *x, float *y, int n, int c, int s);
/* dy (N,C)  dx (N,C,S), written: every position gets its channel's dy */
void sumpool_backward(const float *dy, float *dx, int n, int c, int s);
/* The same with x and dx channels-last (N,S,C): the same sums in the same order. */
void sumpool_forward_nhwc(const float *x, float *y, int n, int c, int s);
void sumpool_backward_nhwc(const float *dy, float *dx, int n, int c, int s);

#endif
