/* deconv2d.h — transposed 2-D convolution (torch.nn.ConvTranspose2d, dilation 1, groups 1).
 *
 * The adjoint of Conv2d: every input pixel scatters a weighted kernel into the output,
 *   y[n,co, i*sh - ph + p, j*sw - pw + q] += x[n,ci,i,j] * w[ci,co,p,q],   plus b[co],
 * with Ho = (H-1)*sh - 2*ph + kh + oph (output padding oph < max(sh, 1) adds rows at the end).
 * Weight layout is PyTorch's (Cin, Cout, kh, kw).
 *
 * Fast path: col (Cout*kh*kw, H*W) = W^T x x_n by cblas_sgemm, then col2im into y.
 * Backward: im2col(dy) gives (Cout*kh*kw, H*W); dx = W x that; dW += x_n x that^T.
 * Layer conventions: see dense.h.
 */
#ifndef NASH_NN_DECONV2D_H
#define NASH_NN_DECONV2D_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int cin, cout;
    int kh, kw, sh, sw, ph, pw, oph, opw;
    int h, w, ho, wo; /* input and output spatial size */
    bool has_bias;
    bool nhwc_in, nhwc_out; /* x, dx (N,H,W,Cin) and y, dy (N,Ho,Wo,Cout): channels-last (docs/layers.md) */
    float *weight, *bias;   /* (Cin,Cout,kh,kw) (Cout) */
    float *dweight, *dbias; /* same shapes */
} Deconv2d;

/* Floats of scratch for a batch of n: the fast paths', and for a channels-last layer room for NCHW
 * copies of its tensors (conv_onednn.h), should oneDNN not run it. */
size_t deconv2d_work_floats(const Deconv2d *l, int n);

/* x (N,Cin,H,W)  y (N,Cout,Ho,Wo), each channels-last instead when its flag says so (the naive
 * kernels: NCHW always) */
void deconv2d_forward(const Deconv2d *l, const float *x, float *y, int n, float *work);
/* x (N,Cin,H,W)  dy (N,Cout,Ho,Wo)  dx (N,Cin,H,W) or NULL */
void deconv2d_backward(const Deconv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads,
                       float *work);

void deconv2d_forward_naive(const Deconv2d *l, const float *x, float *y, int n);
void deconv2d_backward_naive(const Deconv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads);

#endif
