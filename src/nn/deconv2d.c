/* deconv2d.c — transposed 2-D convolution, forward and backward (see deconv2d.h).
 *
 * A layer oneDNN takes runs on its deconvolution primitives (conv_onednn.c). Otherwise:
 * a transposed convolution is the input gradient of the convolution that maps (Ho,Wo) to (H,W)
 * with the same kernel, strides and paddings, so the fast path reuses im2col/col2im with the
 * roles of the two sizes swapped. A chunk of c ≤ IM2COL_CHUNK samples at a time, W viewed as
 * (Cin, Cout*kh*kw), mat = the chunk's inputs or input gradients channel-major (Cin, c*H*W) and
 * col (Cout*kh*kw, c*H*W), both in `work`:
 *   y     = col2im(W^T mat) + b    mat gathered from x; one col2im per sample
 *   col   = im2col(dy)             the chunk's samples side by side
 *   dx    = W col                  mat scattered into dx
 *   dW   += mat col^T              mat gathered from x; db += row sums of dy
 * The naive kernels scatter each input pixel exactly as the defining formula says.
 */
#include "nn/deconv2d.h"

#include <cblas.h>
#include <string.h>

#include "nn/conv_onednn.h"
#include "nn/im2col.h"

static ConvShape shape_of(const Deconv2d *l) { return CONV_SHAPE_OF(l, true); }

static size_t col_rows(const Deconv2d *l) { return (size_t)l->cout * (size_t)l->kh * (size_t)l->kw; }

static ChunkLayout layout_of(const Deconv2d *l, int n) {
    return chunk_layout(col_rows(l), (size_t)l->cin, (size_t)l->h * (size_t)l->w,
                        im2col_phase_floats(l->cout, l->ho, l->wo, l->sh, l->sw), n);
}

static size_t path_floats(const Deconv2d *l, int n) {
    ConvShape s = shape_of(l);
    size_t im2col = chunk_work_floats(layout_of(l, n)), onednn = conv_onednn_work_floats(&s, n);
    return onednn > im2col ? onednn : im2col;
}

size_t deconv2d_work_floats(const Deconv2d *l, int n) {
    ConvShape s = shape_of(l);
    return path_floats(l, n) + conv_nchw_copies_floats(&s, n);
}

/* y_n starts at the bias (or zero) and col2im adds onto it.  y (Cout,Ho*Wo) */
static void init_output(const Deconv2d *l, float *y, size_t pixels) {
    for (int co = 0; co < l->cout; co++) {
        float b = l->has_bias ? l->bias[co] : 0.0f;
        float *row = y + (size_t)co * pixels;
        for (size_t k = 0; k < pixels; k++) row[k] = b;
    }
}

/* A channels-last layer oneDNN did not run: the same calls on NCHW copies (conv_onednn.h). */
static void nchw_pass(const void *layer, const float *x, const float *dy, float *out, int n, bool param_grads,
                      float *work) {
    Deconv2d plain = *(const Deconv2d *)layer;
    plain.nhwc_in = plain.nhwc_out = false;
    if (dy)
        deconv2d_backward(&plain, x, dy, out, n, param_grads, work);
    else
        deconv2d_forward(&plain, x, out, n, work);
}

void deconv2d_forward(const Deconv2d *l, const float *x, float *y, int n, float *work) {
    ConvShape shape = shape_of(l);
    if (conv_onednn_forward(&shape, n, x, l->weight, l->bias, y, work)) return;
    if (l->nhwc_out) {
        conv_run_nchw(&shape, nchw_pass, l, x, NULL, y, n, false, work, path_floats(l, n));
        return;
    }
    int k = (int)col_rows(l);
    size_t pixels_in = (size_t)l->h * (size_t)l->w, x_size = (size_t)l->cin * pixels_in;
    size_t pixels_out = (size_t)l->ho * (size_t)l->wo, y_size = (size_t)l->cout * pixels_out;
    const ChunkLayout cl = layout_of(l, n);
    for (int s = 0; s < n; s += cl.chunk) {
        int c = chunk_count(cl, s, n), ld = c * (int)pixels_in;
        /* x's chunk as (Cin, ld), or channels-last as (ld, Cin), whose transpose the GEMM takes */
        const float *mat = l->nhwc_in ? x + (size_t)s * x_size : chunk_rows(cl, x, s, c, l->cin, work);
        cblas_sgemm(CblasRowMajor, CblasTrans, l->nhwc_in ? CblasTrans : CblasNoTrans, k, ld, l->cin, 1.0f, l->weight,
                    k, mat, l->nhwc_in ? l->cin : ld, 0.0f, work, ld);
        for (int j = 0; j < c; j++) {
            float *ys = y + (size_t)(s + j) * y_size;
            init_output(l, ys, pixels_out);
            col2im(work + (size_t)j * pixels_in, l->cout, l->ho, l->wo, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->h,
                   l->w, (size_t)ld, ys);
        }
    }
}

void deconv2d_backward(const Deconv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads,
                       float *work) {
    if ((!dx && !param_grads) || n <= 0) return;
    ConvShape shape = shape_of(l);
    if (conv_onednn_backward(&shape, n, x, dy, l->weight, dx, param_grads ? l->dweight : NULL,
                             param_grads ? l->dbias : NULL, work))
        return;
    if (l->nhwc_out) {
        conv_run_nchw(&shape, nchw_pass, l, x, dy, dx, n, param_grads, work, path_floats(l, n));
        return;
    }
    int k = (int)col_rows(l);
    size_t pixels_in = (size_t)l->h * (size_t)l->w, x_size = (size_t)l->cin * pixels_in;
    size_t pixels_out = (size_t)l->ho * (size_t)l->wo, y_size = (size_t)l->cout * pixels_out;
    const ChunkLayout cl = layout_of(l, n);
    for (int s = 0; s < n; s += cl.chunk) {
        int c = chunk_count(cl, s, n), ld = c * (int)pixels_in;
        float *mat = c > 1 ? chunk_mat(cl, work) : NULL;
        for (int j = 0; j < c; j++)
            im2col(dy + (size_t)(s + j) * y_size, l->cout, l->ho, l->wo, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->h,
                   l->w, work + (size_t)j * pixels_in, (size_t)ld, chunk_phases(cl, work));
        if (dx && l->nhwc_in) /* the chunk's samples are ld rows of Cin: dx^T = col^T W^T */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, ld, l->cin, k, 1.0f, work, ld, l->weight, k, 0.0f,
                        dx + (size_t)s * x_size, l->cin);
        else if (dx) {
            float *out = mat ? mat : dx + (size_t)s * x_size;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->cin, ld, k, 1.0f, l->weight, k, work, ld, 0.0f,
                        out, ld);
            if (mat) chunk_scatter(mat, c, l->cin, pixels_in, dx + (size_t)s * x_size);
        }
        if (param_grads) {
            const float *xs = l->nhwc_in ? x + (size_t)s * x_size : chunk_rows(cl, x, s, c, l->cin, work);
            cblas_sgemm(CblasRowMajor, l->nhwc_in ? CblasTrans : CblasNoTrans, CblasTrans, l->cin, k, ld, 1.0f, xs,
                        l->nhwc_in ? l->cin : ld, work, ld, 1.0f, l->dweight, k);
            if (l->has_bias) conv_bias_grad(dy + (size_t)s * y_size, c, l->cout, pixels_out, l->dbias);
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
