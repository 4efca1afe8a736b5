/* conv2d.c — 2-D convolution, forward and backward (see conv2d.h).
 *
 * A layer oneDNN takes runs on its direct convolutions (conv_onednn.c). The im2col
 * path, a chunk of c ≤ IM2COL_CHUNK samples at a time, with col = the samples' im2col side
 * by side (Cin*kh*kw, c*Ho*Wo) and mat = their outputs or output gradients channel-major
 * (Cout, c*Ho*Wo), both in `work`:
 *   mat   = W col + b             W viewed as (Cout, Cin*kh*kw); mat scattered into y
 *   dW   += mat col^T             mat gathered from dy; db += row sums of dy
 *   dx    = col2im(W^T mat)       one col2im per sample
 * The naive kernels are the defining sums written as loops, with no scratch and no BLAS.
 */
#include "nn/conv2d.h"

#include <cblas.h>
#include <string.h>

#include "nn/conv_onednn.h"
#include "nn/im2col.h"

static ConvShape shape_of(const Conv2d *l) { return CONV_SHAPE_OF(l, false); }

static size_t col_rows(const Conv2d *l) { return (size_t)l->cin * (size_t)l->kh * (size_t)l->kw; }

static ChunkLayout layout_of(const Conv2d *l, int n) {
    return chunk_layout(col_rows(l), (size_t)l->cout, (size_t)l->ho * (size_t)l->wo,
                        im2col_phase_floats(l->cin, l->h, l->w, l->sh, l->sw), n);
}

static size_t path_floats(const Conv2d *l, int n) {
    ConvShape s = shape_of(l);
    size_t im2col = chunk_work_floats(layout_of(l, n)), onednn = conv_onednn_work_floats(&s, n);
    return onednn > im2col ? onednn : im2col;
}

size_t conv2d_work_floats(const Conv2d *l, int n) {
    ConvShape s = shape_of(l);
    return path_floats(l, n) + conv_nchw_copies_floats(&s, n);
}

/* Samples [s, s+c) of x unfolded side by side into col (rows ld = c*Ho*Wo apart). */
static void unfold_chunk(const Conv2d *l, const float *x, int s, int c, float *col, float *phases) {
    size_t x_size = (size_t)l->cin * (size_t)l->h * (size_t)l->w, pixels = (size_t)l->ho * (size_t)l->wo;
    for (int j = 0; j < c; j++)
        im2col(x + (size_t)(s + j) * x_size, l->cin, l->h, l->w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->ho, l->wo,
               col + (size_t)j * pixels, (size_t)c * pixels, phases);
}

/* A channels-last layer oneDNN did not run: the same calls on NCHW copies (conv_onednn.h). */
static void nchw_pass(const void *layer, const float *x, const float *dy, float *out, int n, bool param_grads,
                      float *work) {
    Conv2d plain = *(const Conv2d *)layer;
    plain.nhwc_in = plain.nhwc_out = false;
    if (dy)
        conv2d_backward(&plain, x, dy, out, n, param_grads, work);
    else
        conv2d_forward(&plain, x, out, n, work);
}

void conv2d_forward(const Conv2d *l, const float *x, float *y, int n, float *work) {
    ConvShape shape = shape_of(l);
    if (conv_onednn_forward(&shape, n, x, l->weight, l->bias, y, work)) return;
    if (l->nhwc_in) {
        conv_run_nchw(&shape, nchw_pass, l, x, NULL, y, n, false, work, path_floats(l, n));
        return;
    }
    int k = (int)col_rows(l);
    size_t pixels = (size_t)l->ho * (size_t)l->wo, y_size = (size_t)l->cout * pixels;
    const ChunkLayout cl = layout_of(l, n);
    for (int s = 0; s < n; s += cl.chunk) {
        int c = chunk_count(cl, s, n), ld = c * (int)pixels;
        unfold_chunk(l, x, s, c, work, chunk_phases(cl, work));
        if (l->nhwc_out) { /* the chunk's samples are ld rows of Cout: y^T = col^T W^T */
            float *rows = y + (size_t)s * y_size;
            if (l->has_bias) /* a loop: a memcpy call per row of Cout floats cost more than its stores */
                for (int p = 0; p < ld; p++)
                    for (int co = 0; co < l->cout; co++) rows[(size_t)p * (size_t)l->cout + (size_t)co] = l->bias[co];
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, ld, l->cout, k, 1.0f, work, ld, l->weight, k,
                        l->has_bias ? 1.0f : 0.0f, rows, l->cout);
            continue;
        }
        float *mat = c > 1 ? chunk_mat(cl, work) : y + (size_t)s * y_size;
        if (l->has_bias)
            for (int co = 0; co < l->cout; co++)
                for (int p = 0; p < ld; p++) mat[(size_t)co * (size_t)ld + (size_t)p] = l->bias[co];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, l->cout, ld, k, 1.0f, l->weight, k, work, ld,
                    l->has_bias ? 1.0f : 0.0f, mat, ld);
        if (c > 1) chunk_scatter(mat, c, l->cout, pixels, y + (size_t)s * y_size);
    }
}

void conv2d_backward(const Conv2d *l, const float *x, const float *dy, float *dx, int n, bool param_grads,
                     float *work) {
    int k = (int)col_rows(l);
    size_t x_size = (size_t)l->cin * (size_t)l->h * (size_t)l->w, pixels = (size_t)l->ho * (size_t)l->wo;
    size_t y_size = (size_t)l->cout * pixels;
    if ((!param_grads && !dx) || n <= 0) return;
    ConvShape shape = shape_of(l);
    if (conv_onednn_backward(&shape, n, x, dy, l->weight, dx, param_grads ? l->dweight : NULL,
                             param_grads ? l->dbias : NULL, work))
        return;
    if (l->nhwc_in) {
        conv_run_nchw(&shape, nchw_pass, l, x, dy, dx, n, param_grads, work, path_floats(l, n));
        return;
    }
    const ChunkLayout cl = layout_of(l, n);
    for (int s = 0; s < n; s += cl.chunk) {
        int c = chunk_count(cl, s, n), ld = c * (int)pixels;
        /* dy's chunk as (Cout, ld), or channels-last as (ld, Cout), whose transpose the GEMMs take */
        const float *mat = l->nhwc_out ? dy + (size_t)s * y_size : chunk_rows(cl, dy, s, c, l->cout, work);
        const CBLAS_TRANSPOSE t = l->nhwc_out ? CblasTrans : CblasNoTrans;
        const int ldm = l->nhwc_out ? l->cout : ld;
        if (param_grads) {
            unfold_chunk(l, x, s, c, work, chunk_phases(cl, work));
            cblas_sgemm(CblasRowMajor, t, CblasTrans, l->cout, k, ld, 1.0f, mat, ldm, work, ld, 1.0f, l->dweight, k);
            if (l->has_bias)
                (l->nhwc_out ? conv_bias_grad_nhwc : conv_bias_grad)(dy + (size_t)s * y_size, c, l->cout, pixels,
                                                                     l->dbias);
        }
        if (dx) {
            cblas_sgemm(CblasRowMajor, CblasTrans, t, k, ld, l->cout, 1.0f, l->weight, k, mat, ldm, 0.0f, work, ld);
            memset(dx + (size_t)s * x_size, 0, sizeof(float) * x_size * (size_t)c);
            for (int j = 0; j < c; j++)
                col2im(work + (size_t)j * pixels, l->cin, l->h, l->w, l->kh, l->kw, l->sh, l->sw, l->ph, l->pw, l->ho,
                       l->wo, (size_t)ld, dx + (size_t)(s + j) * x_size);
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
