/* deconv2d.c — transposed 2-D convolution, forward and backward (see deconv2d.h).
 *
 * A transposed convolution is the input gradient of the convolution that maps (Ho,Wo) to (H,W)
 * with the same kernel, strides and paddings, so the fast path reuses im2col/col2im with the
 * roles of the two sizes swapped. Per sample n, W viewed as (Cin, Cout*kh*kw):
 *   y_n   = col2im(W^T x_n) + b
 *   col   = im2col(dy_n)           (Cout*kh*kw, H*W) in `work`
 *   dx_n  = W col                  dW += x_n col^T      db += row sums of dy_n
 * The naive kernels scatter each input pixel exactly as the defining formula says.
 */
#include "nn/deconv2d.h"

#include <cblas.h>
#include <string.h>

#include "nn/im2col.h"

static size_t col_rows(const Deconv2d *l) { return (size_t)l->cout * (size_t)l->kh * (size_t)l->kw; }

size_t deconv2d_work_floats(const Deconv2d *l, int n) {
    (void)n;
    return col_rows(l) * (size_t)l->h * (size_t)l->w;
}

/* y_n starts at the bias (or zero) and col2im adds onto it.  y (Cout,Ho*Wo) */
static void init_output(const Deconv2d *l, float *y, size_t pixels) {
    for (int co = 0; co < l->cout; co++) {
        float b = l->has_bias ? l->bias[co] : 0.0f;
        float *row = y + (size_t)co * pixels;
        for (size_t k = 0; k < pixels; k++) row[k] = b;
    }
}

void deconv2d_forward(const Deconv2d *l, const float *x, float *y, int n, float *work) {
    int k = (int)col_rows(l), pixels_in = l->h * l->w;
    size_t x_size = (size_t)l->cin * (size_t)pixels_in, pixels_out = (size_t)l->ho * (size_t)l->wo;
    for (int s = 0; s < n; s++) {
        float *ys = y + (size_t)s * (size_t)l->cout * pixels_out;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, pixels_in, l->cin, 1.0f, l->weight, k,
                    x + (size_t)s * x_size, pixels_in, 0.0f, work, pixels_in);
        init_output(l, ys, pixels_out);
        col2im(work, l->cout, l->ho, l->wo, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->h, l->w, ys);
    }
}

void deconv2d_backward(const Deconv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads,
                       float *work) {
    if (!dx && !param_grads) return;
    int k = (int)col_rows(l), pixels_in = l->h * l->w;
    size_t x_size = (size_t)l->cin * (size_t)pixels_in, pixels_out = (size_t)l->ho * (size_t)l->wo;
    for (int s = 0; s < n; s++) {
        const float *dys = dy + (size_t)s * (size_t)l->cout * pixels_out;
        im2col(dys, l->cout, l->ho, l->wo, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->h, l->w, work);
        if (dx)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->cin, pixels_in, k, 1.0f, l->weight, k, work,
                        pixels_in, 0.0f, dx + (size_t)s * x_size, pixels_in);
        if (param_grads) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l->cin, k, pixels_in, 1.0f, x + (size_t)s * x_size,
                        pixels_in, work, pixels_in, 1.0f, l->dweight, k);
            if (l->has_bias)
                for (int co = 0; co < l->cout; co++) {
                    const float *row = dys + (size_t)co * pixels_out;
                    float sum = 0.0f;
                    for (size_t p = 0; p < pixels_out; p++) sum += row[p];
                    l->dbias[co] += sum;
                }
        }
    }
}

/* Index of x[n][c][i][j] in a (N,C,H,W) tensor. */
static size_t at4(int n, int c, int i, int j, int cs, int hs, int ws) {
    return (((size_t)n * (size_t)cs + (size_t)c) * (size_t)hs + (size_t)i) * (size_t)ws + (size_t)j;
}

void deconv2d_forward_naive(const Deconv2d *l, const float *x, float *y, int n) {
    for (int s = 0; s < n; s++)
        for (int co = 0; co < l->cout; co++)
            for (int i = 0; i < l->ho; i++)
                for (int j = 0; j < l->wo; j++)
                    y[at4(s, co, i, j, l->cout, l->ho, l->wo)] = l->has_bias ? l->bias[co] : 0.0f;
    for (int s = 0; s < n; s++)
        for (int ci = 0; ci < l->cin; ci++)
            for (int i = 0; i < l->h; i++)
                for (int j = 0; j < l->w; j++) {
                    float v = x[at4(s, ci, i, j, l->cin, l->h, l->w)];
                    for (int co = 0; co < l->cout; co++)
                        for (int p = 0; p < l->kh; p++)
                            for (int q = 0; q < l->kw; q++) {
                                int yi = i * l->sh - l->ph + p, xj = j * l->sw - l->pw + q;
                                if (yi < 0 || yi >= l->ho || xj < 0 || xj >= l->wo) continue;
                                y[at4(s, co, yi, xj, l->cout, l->ho, l->wo)] +=
                                    v * l->weight[at4(ci, co, p, q, l->cout, l->kh, l->kw)];
                            }
                }
}

/* Each scatter term y[s,co,yi,xj] += x[s,ci,i,j] * W[ci,co,p,q] sends back
 * dx[s,ci,i,j] += g * W[ci,co,p,q] and dW[ci,co,p,q] += g * x[s,ci,i,j], g = dy[s,co,yi,xj];
 * db[co] sums dy over samples and positions. */
void deconv2d_backward_naive(const Deconv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (param_grads && l->has_bias)
        for (int s = 0; s < n; s++)
            for (int co = 0; co < l->cout; co++)
                for (int i = 0; i < l->ho; i++)
                    for (int j = 0; j < l->wo; j++) l->dbias[co] += dy[at4(s, co, i, j, l->cout, l->ho, l->wo)];
    for (int s = 0; s < n; s++)
        for (int ci = 0; ci < l->cin; ci++)
            for (int i = 0; i < l->h; i++)
                for (int j = 0; j < l->w; j++) {
                    size_t xi = at4(s, ci, i, j, l->cin, l->h, l->w);
                    double sum = 0.0;
                    for (int co = 0; co < l->cout; co++)
                        for (int p = 0; p < l->kh; p++)
                            for (int q = 0; q < l->kw; q++) {
                                int yi = i * l->sh - l->ph + p, xj = j * l->sw - l->pw + q;
                                if (yi < 0 || yi >= l->ho || xj < 0 || xj >= l->wo) continue;
                                size_t wi = at4(ci, co, p, q, l->cout, l->kh, l->kw);
                                float g = dy[at4(s, co, yi, xj, l->cout, l->ho, l->wo)];
                                sum += (double)g * l->weight[wi];
                                if (param_grads) l->dweight[wi] += g * x[xi];
                            }
                    if (dx) dx[xi] = (float)sum;
                }
}
