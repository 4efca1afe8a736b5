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

#include "core/clones.h"

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

static int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

size_t im2col_phase_floats(int c, int h, int w, int sh, int sw) {
    if (sh == 1 && sw == 1) return 0;
    return (size_t)c * (size_t)sh * (size_t)sw * (size_t)((h + sh - 1) / sh) * (size_t)((w + sw - 1) / sw);
}

/* Phase (a, b) of channel ch, at phases + ((ch*sh + a)*sw + b)*hp*wp with rows wp apart, holds
 * im[ch][u*sh + a][v*sw + b] at (u, v).  im (C,H,W) */
static void split_phases(const float *im, int c, int h, int w, int sh, int sw, int hp, int wp, float *phases) {
    size_t plane = (size_t)hp * (size_t)wp;
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++) {
            const float *row = im + ((size_t)ch * (size_t)h + (size_t)y) * (size_t)w;
            int a = y % sh, u = y / sh;
            for (int b = 0; b < sw; b++) {
                float *dst = phases + ((size_t)(ch * sh + a) * (size_t)sw + (size_t)b) * plane + (size_t)u * (size_t)wp;
                for (int v = 0, x = b; x < w; v++, x += sw) dst[v] = row[x];
            }
        }
}

/* One column row from one phase plane: row[i*wo + j] = src[(i + du)*wp + j + dv] inside the
 * window, 0 outside. When the plane is as wide as the output (the DCGAN's k4 s2 p1 layers),
 * the window's rows follow each other in memory and the row is one block copy, whose entries
 * outside the window's columns are then zeroed. Zeros and copies are loops, not memset or
 * memcpy calls: at 7x7 outputs they are 1-49 floats, where a call costs more than the stores. */
static void unfold_shifted(const float *src, int wp, int ho, int wo, Window win, int du, int dv, float *row) {
    int n = ho * wo;
    if (win.ihi <= win.ilo || win.jhi <= win.jlo) {
        for (int k = 0; k < n; k++) row[k] = 0.0f;
        return;
    }
    int first = win.ilo * wo + win.jlo, end = (win.ihi - 1) * wo + win.jhi;
    for (int k = 0; k < first; k++) row[k] = 0.0f;
    if (wp == wo) {
        ptrdiff_t off = (ptrdiff_t)du * wo + dv;
        for (int k = first; k < end; k++) row[k] = src[k + off];
        for (int i = win.ilo; i < win.ihi; i++) {
            float *dst = row + (size_t)i * (size_t)wo;
            for (int j = 0; j < win.jlo; j++) dst[j] = 0.0f;
            for (int j = win.jhi; j < wo; j++) dst[j] = 0.0f;
        }
    } else {
        for (int i = win.ilo; i < win.ihi; i++) {
            float *dst = row + (size_t)i * (size_t)wo;
            const float *line = src + (size_t)(i + du) * (size_t)wp;
            for (int j = 0; j < win.jlo; j++) dst[j] = 0.0f;
            for (int j = win.jlo; j < win.jhi; j++) dst[j] = line[j + dv];
            for (int j = win.jhi; j < wo; j++) dst[j] = 0.0f;
        }
    }
    for (int k = end; k < n; k++) row[k] = 0.0f;
}

/* The adjoint of the unfold, on the image itself: plane[i*sh + oy][j*sw + ox] += row[i*wo + j] where in bounds.
 * row (Ho*Wo)  plane (H,W), accumulated */
static void fold_row(const float *row, int w, int sh, int sw, int wo, Window win, float *plane) {
    for (int i = win.ilo; i < win.ihi; i++) {
        float *dst = plane + (size_t)(i * sh + win.oy) * (size_t)w;
        const float *src = row + (size_t)i * (size_t)wo;
        for (int j = win.jlo; j < win.jhi; j++) dst[j * sw + win.ox] += src[j];
    }
}

/* Rows are visited kernel offset first so each window is computed once for all channels. With a
 * stride, the image is first split into its sh*sw phases (every sh-th row and sw-th column from
 * an offset), so that each column row reads one phase with unit stride: the source pixel
 * (i*sh + oy, j*sw + ox) is pixel (i + du, j + dv) of phase (oy mod sh, ox mod sw), du and dv
 * the floors of oy/sh and ox/sw. The DCGAN's stride-2 unfolds ran twice as fast with the data in
 * cache; in training, where the unfold waits on memory, a step took 3% less CPU. */
void im2col(const float *im, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo,
            float *col, size_t ld, float *phases) {
    const float *planes = im;
    int hp = h, wp = w;
    if (sh > 1 || sw > 1) {
        hp = (h + sh - 1) / sh, wp = (w + sw - 1) / sw;
        split_phases(im, c, h, w, sh, sw, hp, wp, phases);
        planes = phases;
    }
    size_t plane = (size_t)hp * (size_t)wp;
    for (int p = 0; p < kh; p++)
        for (int q = 0; q < kw; q++) {
            Window win = window_at(p, q, h, w, sh, sw, ph, pw, ho, wo);
            int du = floor_div(win.oy, sh), dv = floor_div(win.ox, sw);
            int a = win.oy - du * sh, b = win.ox - dv * sw;
            for (int ch = 0; ch < c; ch++)
                unfold_shifted(planes + ((size_t)(ch * sh + a) * (size_t)sw + (size_t)b) * plane, wp, ho, wo, win, du,
                               dv, col + ((size_t)(ch * kh + p) * (size_t)kw + (size_t)q) * ld);
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

ChunkLayout chunk_layout(size_t rows, size_t mat_rows, size_t pixels, size_t phase_floats, int max_batch) {
    int chunk = rows < IM2COL_MIN_ROWS ? 1 : IM2COL_CHUNK;
    return (ChunkLayout){rows, mat_rows, pixels, phase_floats, max_batch < chunk ? max_batch : chunk};
}

static size_t chunk_mat_floats(ChunkLayout c) { return c.chunk > 1 ? (size_t)c.chunk * c.pixels * c.mat_rows : 0; }

size_t chunk_work_floats(ChunkLayout c) {
    return (size_t)c.chunk * c.pixels * c.rows + chunk_mat_floats(c) + c.phase_floats;
}

float *chunk_mat(ChunkLayout c, float *work) { return work + (size_t)c.chunk * c.pixels * c.rows; }

float *chunk_phases(ChunkLayout c, float *work) { return chunk_mat(c, work) + chunk_mat_floats(c); }

int chunk_count(ChunkLayout c, int s, int n) { return n - s < c.chunk ? n - s : c.chunk; }

const float *chunk_rows(ChunkLayout c, const float *t, int s, int count, int channels, float *work) {
    const float *first = t + (size_t)s * (size_t)channels * c.pixels;
    if (count == 1) return first;
    float *mat = chunk_mat(c, work);
    chunk_gather(first, count, channels, c.pixels, mat);
    return mat;
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

/* A row's sum in 8 lanes (pixel k into lane k mod 8), which the compiler keeps in vector
 * registers, then the lanes pairwise and the leftover pixels: a fixed order on every CPU. One
 * running sum was a chain of dependent adds, 4.4% of a bf16 ResNet step (perf). */
enum { BIAS_LANES = 8 };
static float row_total(const float *row, size_t pixels) {
    float lane[BIAS_LANES] = {0};
    size_t k = 0;
    for (; k + BIAS_LANES <= pixels; k += BIAS_LANES)
        for (int l = 0; l < BIAS_LANES; l++) lane[l] += row[k + l];
    float rest = 0.0f;
    for (; k < pixels; k++) rest += row[k];
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7])) + rest;
}

NASH_CLONES static void bias_grad(const float *dy, int count, int c, size_t pixels, float *db) {
    for (int j = 0; j < count; j++)
        for (int ch = 0; ch < c; ch++) db[ch] += row_total(dy + ((size_t)j * (size_t)c + (size_t)ch) * pixels, pixels);
}

void conv_bias_grad(const float *dy, int count, int c, size_t pixels, float *db) {
    bias_grad(dy, count, c, pixels, db);
}

/* Channels-last dy: each sample's sums in double, pixel by pixel, for GROUP channels at a time
 * (the vector registers run across the channels), then added onto db in float. */
NASH_CLONES static void bias_grad_nhwc(const float *dy, int count, int c, size_t pixels, float *db) {
    enum { GROUP = 64 };
    double acc[GROUP];
    for (int j = 0; j < count; j++)
        for (int c0 = 0; c0 < c; c0 += GROUP) {
            int g = c - c0 < GROUP ? c - c0 : GROUP;
            for (int k = 0; k < g; k++) acc[k] = 0.0;
            const float *row = dy + (size_t)j * pixels * (size_t)c + (size_t)c0;
            for (size_t p = 0; p < pixels; p++, row += c)
                for (int k = 0; k < g; k++) acc[k] += row[k];
            for (int k = 0; k < g; k++) db[c0 + k] += (float)acc[k];
        }
}

void conv_bias_grad_nhwc(const float *dy, int count, int c, size_t pixels, float *db) {
    bias_grad_nhwc(dy, count, c, pixels, db);
}

/* y[s, c, :] += b[c]: the bias after the sum, rounded once, as oneDNN adds it; channels-last y
 * (n * pixels rows of c) when nhwc. */
NASH_CLONES static void add_bias(float *y, const float *b, int n, int c, size_t pixels, bool nhwc) {
    if (nhwc) {
        for (size_t p = 0; p < (size_t)n * pixels; p++)
            for (int k = 0; k < c; k++) y[p * (size_t)c + (size_t)k] += b[k];
        return;
    }
    for (int s = 0; s < n; s++)
        for (int k = 0; k < c; k++) {
            float *row = y + ((size_t)s * (size_t)c + (size_t)k) * pixels, v = b[k];
            for (size_t i = 0; i < pixels; i++) row[i] += v;
        }
}

void conv_add_bias(float *y, const float *b, int n, int c, size_t pixels, bool nhwc) {
    add_bias(y, b, n, c, pixels, nhwc);
}
