/* conv2d.c — 2-D convolution, forward and backward (see conv2d.h).
 *
 * Fast path, per sample n, with col = im2col(x_n) (Cin*kh*kw, Ho*Wo) in `work`:
 *   y_n   = W col + b             W viewed as (Cout, Cin*kh*kw)
 *   dW   += dy_n col^T            db += row sums of dy_n
 *   dx_n  = col2im(W^T dy_n)
 * The naive kernels are the defining sums written as loops, with no scratch and no BLAS.
 */
#include "nn/conv2d.h"

#include <cblas.h>
#include <string.h>

#include "nn/im2col.h"

static size_t col_rows(const Conv2d *l) { return (size_t)l->cin * (size_t)l->kh * (size_t)l->kw; }

size_t conv2d_work_floats(const Conv2d *l, int n) {
    (void)n;
    return col_rows(l) * (size_t)l->ho * (size_t)l->wo;
}

/* db += sum over positions of dy, one sample.  dy (Cout,Ho*Wo)  db (Cout) */
static void add_bias_grad(const float *dy, int cout, size_t pixels, float *db) {
    for (int co = 0; co < cout; co++) {
        const float *row = dy + (size_t)co * pixels;
        float sum = 0.0f;
        for (size_t k = 0; k < pixels; k++) sum += row[k];
        db[co] += sum;
    }
}

void conv2d_forward(const Conv2d *l, const float *x, float *y, int n, float *work) {
    int k = (int)col_rows(l), pixels = l->ho * l->wo;
    size_t x_size = (size_t)l->cin * (size_t)l->h * (size_t)l->w, y_size = (size_t)l->cout * (size_t)pixels;
    for (int s = 0; s < n; s++) {
        const float *xs = x + (size_t)s * x_size;
        float *ys = y + (size_t)s * y_size;
        im2col(xs, l->cin, l->h, l->w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->ho, l->wo, work);
        if (l->has_bias)
            for (int co = 0; co < l->cout; co++)
                for (int p = 0; p < pixels; p++) ys[(size_t)co * (size_t)pixels + (size_t)p] = l->bias[co];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->cout, pixels, k, 1.0f, l->weight, k, work, pixels,
                    l->has_bias ? 1.0f : 0.0f, ys, pixels);
    }
}

void conv2d_backward(const Conv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads,
                     float *work) {
    int k = (int)col_rows(l), pixels = l->ho * l->wo;
    size_t x_size = (size_t)l->cin * (size_t)l->h * (size_t)l->w, y_size = (size_t)l->cout * (size_t)pixels;
    for (int s = 0; s < n; s++) {
        const float *dys = dy + (size_t)s * y_size;
        if (param_grads) {
            im2col(x + (size_t)s * x_size, l->cin, l->h, l->w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->ho, l->wo,
                   work);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, l->cout, k, pixels, 1.0f, dys, pixels, work, pixels,
                        1.0f, l->dweight, k);
            if (l->has_bias) add_bias_grad(dys, l->cout, (size_t)pixels, l->dbias);
        }
        if (dx) {
            float *dxs = dx + (size_t)s * x_size;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, pixels, l->cout, 1.0f, l->weight, k, dys, pixels,
                        0.0f, work, pixels);
            memset(dxs, 0, sizeof(float) * x_size);
            col2im(work, l->cin, l->h, l->w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->ho, l->wo, dxs);
        }
    }
}

/* Index of x[n][c][i][j] in a (N,C,H,W) tensor. */
static size_t at4(int n, int c, int i, int j, int cs, int hs, int ws) {
    return (((size_t)n * (size_t)cs + (size_t)c) * (size_t)hs + (size_t)i) * (size_t)ws + (size_t)j;
}

void conv2d_forward_naive(const Conv2d *l, const float *x, float *y, int n) {
    for (int s = 0; s < n; s++)
        for (int co = 0; co < l->cout; co++)
            for (int i = 0; i < l->ho; i++)
                for (int j = 0; j < l->wo; j++) {
                    double sum = l->has_bias ? l->bias[co] : 0.0;
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int p = 0; p < l->kh; p++)
                            for (int q = 0; q < l->kw; q++) {
                                int yi = i * l->sh - l->ph + p, xj = j * l->sw - l->pw + q;
                                if (yi < 0 || yi >= l->h || xj < 0 || xj >= l->w) continue;
                                sum += (double)l->weight[at4(co, ci, p, q, l->cin, l->kh, l->kw)] *
                                       x[at4(s, ci, yi, xj, l->cin, l->h, l->w)];
                            }
                    y[at4(s, co, i, j, l->cout, l->ho, l->wo)] = (float)sum;
                }
}

/* Every output y[s,co,i,j] sends its gradient g back along each term of its sum:
 * db[co] += g,  dW[co,ci,p,q] += g * x[s,ci,yi,xj],  dx[s,ci,yi,xj] += g * W[co,ci,p,q]. */
void conv2d_backward_naive(const Conv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (dx) memset(dx, 0, sizeof(float) * (size_t)n * (size_t)l->cin * (size_t)l->h * (size_t)l->w);
    for (int s = 0; s < n; s++)
        for (int co = 0; co < l->cout; co++)
            for (int i = 0; i < l->ho; i++)
                for (int j = 0; j < l->wo; j++) {
                    float g = dy[at4(s, co, i, j, l->cout, l->ho, l->wo)];
                    if (param_grads && l->has_bias) l->dbias[co] += g;
                    for (int ci = 0; ci < l->cin; ci++)
                        for (int p = 0; p < l->kh; p++)
                            for (int q = 0; q < l->kw; q++) {
                                int yi = i * l->sh - l->ph + p, xj = j * l->sw - l->pw + q;
                                if (yi < 0 || yi >= l->h || xj < 0 || xj >= l->w) continue;
                                size_t wi = at4(co, ci, p, q, l->cin, l->kh, l->kw);
                                size_t xi = at4(s, ci, yi, xj, l->cin, l->h, l->w);
                                if (param_grads) l->dweight[wi] += g * x[xi];
                                if (dx) dx[xi] += g * l->weight[wi];
                            }
                }
}
