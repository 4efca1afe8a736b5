/* conv2d.h — 2-D convolution (torch.nn.Conv2d, dilation 1, groups 1), NCHW.
 *
 *   y[n,co,i,j] = b[co] + sum_{ci,p,q} w[co,ci,p,q] * x[n,ci, i*sh - ph + p, j*sw - pw + q]
 *
 * Fast path: im2col of each sample into `work` (Cin*kh*kw, Ho*Wo), then one cblas_sgemm
 * W (Cout, Cin*kh*kw) x col. Backward: dW += dy x col^T, dcol = W^T x dy, col2im into dx.
 * Layer conventions: see dense.h.
 */
#ifndef NASH_NN_CONV2D_H
#define NASH_NN_CONV2D_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int cin, cout;
    int kh, kw, sh, sw, ph, pw;
    int h, w, ho, wo; /* input and output spatial size */
    bool has_bias;
    bool nhwc_in, nhwc_out; /* x, dx (N,H,W,Cin) and y, dy (N,Ho,Wo,Cout): channels-last (docs/layers.md) */
    float *weight, *bias;   /* (Cout,Cin,kh,kw) (Cout) */
    float *dweight, *dbias; /* same shapes */
} Conv2d;

/* Floats of scratch for a batch of n: the fast paths', and for a channels-last layer room for NCHW
 * copies of its tensors (conv_onednn.h), should oneDNN not run it (0 for the naive kernels). */
size_t conv2d_work_floats(const Conv2d *l, int n);

/* x (N,Cin,H,W)  y (N,Cout,Ho,Wo), each channels-last instead when its flag says so (the naive
 * kernels: NCHW always)  work: conv2d_work_floats(l, n) floats */
void conv2d_forward(const Conv2d *l, const float *x, float *y, int n, float *work);
/* x (N,Cin,H,W)  dy (N,Cout,Ho,Wo)  dx (N,Cin,H,W) or NULL */
void conv2d_backward(const Conv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads, float *work);

void conv2d_forward_naive(const Conv2d *l, const float *x, float *y, int n);
void conv2d_backward_naive(const Conv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads);

#endif
