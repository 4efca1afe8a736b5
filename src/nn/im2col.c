/* im2col.c — unfold image patches into GEMM columns and fold them back (see im2col.h;
 * Chellapilla, Puri, Simard, "High performance convolutional neural networks for document
 * processing", 2006).
 *
 * Both directions walk the column matrix one row (c, p, q) at a time. Within a row the source
 * pixel of output (i, j) is (i*sh + p - ph, j*sw + q - pw); the in-bounds i and j form one
 * contiguous range each, computed once per row, so the inner loops carry no bounds tests.
 */
#include "nn/im2col.h"

#include <stddef.h>

/* The part of one column row that reads inside the image: kernel offset (p, q) maps output
 * (i, j) to pixel (i*sh + oy, j*sw + ox), oy = p - ph, ox = q - pw; rows [ilo, ihi) and
 * columns [jlo, jhi) of the (Ho, Wo) output grid land inside. The same for every channel. */
typedef struct {
    int oy, ox, ilo, ihi, jlo, jhi;
} Window;

/* Outputs t in [*lo, *hi) of `count` whose source t*stride + off lies in [0, len). */
static void valid_range(int off, int stride, int len, int count, int *lo, int *hi) {
    int first = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int last = len - 1 - off < 0 ? 0 : (len - 1 - off) / stride + 1;
    *hi = last < count ? last : count;
    *lo = first < *hi ? first : *hi;
}

static Window window_at(int p, int q, int h, int w, int sh, int sw, int ph, int pw, int ho, int wo) {
    Window win = {.oy = p - ph, .ox = q - pw};
    valid_range(win.oy, sh, h, ho, &win.ilo, &win.ihi);
    valid_range(win.ox, sw, w, wo, &win.jlo, &win.jhi);
    return win;
}

/* One column row: row[i*wo + j] = plane[i*sh + oy][j*sw + ox] (0 outside).
 * plane (H,W)  row (Ho*Wo)
 * The zeros are written by loops, not memset: at the DCGAN's 7x7 outputs they are 0-7 floats,
 * where a call costs more than the stores (memset was 2.6% of a training step). */
static void unfold_row(const float *plane, int w, int sh, int sw, int ho, int wo, Window win, float *row) {
    for (int i = 0; i < ho; i++) {
        float *dst = row + (size_t)i * (size_t)wo;
        if (i < win.ilo || i >= win.ihi) {
            for (int j = 0; j < wo; j++) dst[j] = 0.0f;
            continue;
        }
        const float *src = plane + (size_t)(i * sh + win.oy) * (size_t)w + win.ox;
        for (int j = 0; j < win.jlo; j++) dst[j] = 0.0f;
        if (sw == 1) {
            for (int j = win.jlo; j < win.jhi; j++) dst[j] = src[j];
        } else {
            for (int j = win.jlo; j < win.jhi; j++) dst[j] = src[j * sw];
        }
        for (int j = win.jhi; j < wo; j++) dst[j] = 0.0f;
    }
}

/* The adjoint of unfold_row: plane[i*sh + oy][j*sw + ox] += row[i*wo + j] where in bounds.
 * row (Ho*Wo)  plane (H,W), accumulated */
static void fold_row(const float *row, int w, int sh, int sw, int wo, Window win, float *plane) {
    for (int i = win.ilo; i < win.ihi; i++) {
        float *dst = plane + (size_t)(i * sh + win.oy) * (size_t)w;
        const float *src = row + (size_t)i * (size_t)wo;
        for (int j = win.jlo; j < win.jhi; j++) dst[j * sw + win.ox] += src[j];
    }
}

/* Rows are visited kernel offset first so each window is computed once for all channels. */
void im2col(const float *im, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            float *col, size_t ld) {
    size_t plane = (size_t)h * (size_t)w;
    for (int p = 0; p < kh; p++)
        for (int q = 0; q < kw; q++) {
            Window win = window_at(p, q, h, w, sh, sw, ph, pw, ho, wo);
            for (int ch = 0; ch < c; ch++)
                unfold_row(im + (size_t)ch * plane, w, sh, sw, ho, wo, win,
                           col + ((size_t)(ch * kh + p) * (size_t)kw + (size_t)q) * ld);
        }
}

void col2im(const float *col, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            size_t ld, float *im) {
    size_t plane = (size_t)h * (size_t)w;
    for (int p = 0; p < kh; p++)
        for (int q = 0; q < kw; q++) {
            Window win = window_at(p, q, h, w, sh, sw, ph, pw, ho, wo);
            for (int ch = 0; ch < c; ch++)
                fold_row(col + ((size_t)(ch * kh + p) * (size_t)kw + (size_t)q) * ld, w, sh, sw, wo, win,
                         im + (size_t)ch * plane);
        }
}

void chunk_gather(const float *t, int count, int c, size_t pixels, float *mat) {
    size_t ld = (size_t)count * pixels;
    for (int j = 0; j < count; j++)
        for (int ch = 0; ch < c; ch++) {
            const float *src = t + ((size_t)j * (size_t)c + (size_t)ch) * pixels;
            float *dst = mat + (size_t)ch * ld + (size_t)j * pixels;
            for (size_t k = 0; k < pixels; k++) dst[k] = src[k];
        }
}

void chunk_scatter(const float *mat, int count, int c, size_t pixels, float *t) {
    size_t ld = (size_t)count * pixels;
    for (int j = 0; j < count; j++)
        for (int ch = 0; ch < c; ch++) {
            const float *src = mat + (size_t)ch * ld + (size_t)j * pixels;
            float *dst = t + ((size_t)j * (size_t)c + (size_t)ch) * pixels;
            for (size_t k = 0; k < pixels; k++) dst[k] = src[k];
        }
}
