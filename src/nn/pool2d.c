/* pool2d.c — max and average 2-D pooling with PyTorch semantics (see pool2d.h).
 *
 * Output (i, j) covers input rows i*sh - ph + [0, kh) and columns j*sw - pw + [0, kw).
 *   max:  y = max over the in-bounds window (padding is -inf); the first maximum in row-major
 *         order wins ties and receives dy in backward. A NaN always takes the window, as in
 *         PyTorch's CPU kernel (so it propagates).
 *   avg:  y = sum over the in-bounds window / d, with d = kh*kw when count_include_pad, else
 *         the number of in-bounds pixels (with ceil_mode False the padded window never exceeds
 *         H + 2ph, so PyTorch's divisor is exactly kh*kw).
 */
#include "nn/pool2d.h"

#include <math.h>
#include <string.h>

#include "core/clones.h"

/* The in-bounds part [r0, r1) x [c0, c1) of the window of output (i, j). */
typedef struct {
    int r0, r1, c0, c1;
} Window;

static Window pool2d_window(const Pool2d *l, int i, int j) {
    int r = i * l->sh - l->ph, c = j * l->sw - l->pw;
    Window win = {r, r + l->kh, c, c + l->kw};
    if (win.r0 < 0) win.r0 = 0;
    if (win.c0 < 0) win.c0 = 0;
    if (win.r1 > l->h) win.r1 = l->h;
    if (win.c1 > l->w) win.c1 = l->w;
    return win;
}

/* Index in the (H,W) plane of the first maximum of the window, or -1 when it is all padding. */
static long pool2d_argmax(const float *plane, int w, Window win) {
    long best = -1;
    float best_value = -INFINITY;
    for (int r = win.r0; r < win.r1; r++) {
        for (int c = win.c0; c < win.c1; c++) {
            long at = (long)r * w + c;
            float v = plane[at];
            if (best < 0 || v > best_value || isnan(v)) {
                best = at;
                best_value = v;
            }
        }
    }
    return best;
}

static float pool2d_divisor(const Pool2d *l, Window win) {
    if (l->count_include_pad) return (float)(l->kh * l->kw);
    return (float)((win.r1 - win.r0) * (win.c1 - win.c0));
}

/* x (N,C,H,W)  y (N,C,Ho,Wo) */
/* The pooling of `values` with the windows' maxima taken in x (max; average ignores x). */
static void pool2d_apply_naive(const Pool2d *l, const float *x, const float *values, float *y, int n) {
    size_t in_plane = (size_t)l->h * l->w, out_plane = (size_t)l->ho * l->wo;
    size_t planes = (size_t)n * l->c;
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane, *vp = values + p * in_plane;
        float *yp = y + p * out_plane;
        for (int i = 0; i < l->ho; i++) {
            for (int j = 0; j < l->wo; j++) {
                Window win = pool2d_window(l, i, j);
                float out;
                if (l->kind == POOL2D_MAX) {
                    long at = pool2d_argmax(xp, l->w, win);
                    out = at < 0 ? (vp == xp ? -INFINITY : 0.0f) : vp[at];
                } else {
                    float sum = 0.0f;
                    for (int r = win.r0; r < win.r1; r++)
                        for (int c = win.c0; c < win.c1; c++) sum += vp[(size_t)r * l->w + c];
                    out = sum / pool2d_divisor(l, win);
                }
                yp[(size_t)i * l->wo + j] = out;
            }
        }
    }
}

/* Average pooling over 2x2 windows with stride 2 and no padding (SNGAN's discriminator): every
 * window lies inside the image, so the generic loops reduce to these, which compute the same
 * floats in the same order (0 + a + b + c + d, then / 4: the sum starts from +0 as there, so a
 * window of negative zeros gives +0 in both) and GCC turns into vector code. 9.3% of a bf16
 * ResNet step went to the generic loops (perf). */
static bool avg_2x2(const Pool2d *l) {
    return l->kind == POOL2D_AVG && l->kh == 2 && l->kw == 2 && l->sh == 2 && l->sw == 2 && l->ph == 0 && l->pw == 0;
}

NASH_CLONES static void avg_2x2_forward(const Pool2d *l, const float *values, float *y, int n) {
    size_t in_plane = (size_t)l->h * l->w, out_plane = (size_t)l->ho * l->wo;
    for (size_t p = 0; p < (size_t)n * l->c; p++)
        for (int i = 0; i < l->ho; i++) {
            const float *a = values + p * in_plane + (size_t)(2 * i) * l->w, *b = a + l->w;
            float *yr = y + p * out_plane + (size_t)i * l->wo;
            for (int j = 0; j < l->wo; j++) yr[j] = (0.0f + a[2 * j] + a[2 * j + 1] + b[2 * j] + b[2 * j + 1]) / 4.0f;
        }
}

NASH_CLONES static void avg_2x2_backward(const Pool2d *l, const float *dy, float *dx, int n) {
    size_t in_plane = (size_t)l->h * l->w, out_plane = (size_t)l->ho * l->wo;
    if (l->h % 2 || l->w % 2) memset(dx, 0, (size_t)n * l->c * in_plane * sizeof(float)); /* the rows left over */
    for (size_t p = 0; p < (size_t)n * l->c; p++)
        for (int i = 0; i < l->ho; i++) {
            float *a = dx + p * in_plane + (size_t)(2 * i) * l->w, *b = a + l->w;
            const float *g = dy + p * out_plane + (size_t)i * l->wo;
            for (int j = 0; j < l->wo; j++) {
                float share = 0.0f + g[j] / 4.0f;
                a[2 * j] = a[2 * j + 1] = b[2 * j] = b[2 * j + 1] = share;
            }
        }
}

/* The same on channels-last tensors, each pixel's c channels for one value. */
NASH_CLONES static void avg_2x2_forward_nhwc(const Pool2d *l, const float *values, float *y, int n) {
    const size_t c = (size_t)l->c, row = (size_t)l->w * c;
    for (size_t p = 0; p < (size_t)n; p++)
        for (int i = 0; i < l->ho; i++) {
            const float *a = values + (p * (size_t)l->h + (size_t)(2 * i)) * row, *b = a + row;
            float *yr = y + (p * (size_t)l->ho + (size_t)i) * (size_t)l->wo * c;
            for (int j = 0; j < l->wo; j++) {
                const size_t left = 2 * (size_t)j * c, right = left + c;
                for (size_t k = 0; k < c; k++)
                    yr[(size_t)j * c + k] = (0.0f + a[left + k] + a[right + k] + b[left + k] + b[right + k]) / 4.0f;
            }
        }
}

NASH_CLONES static void avg_2x2_backward_nhwc(const Pool2d *l, const float *dy, float *dx, int n) {
    const size_t c = (size_t)l->c, row = (size_t)l->w * c;
    if (l->h % 2 || l->w % 2) memset(dx, 0, (size_t)n * (size_t)l->h * row * sizeof(float));
    for (size_t p = 0; p < (size_t)n; p++)
        for (int i = 0; i < l->ho; i++) {
            float *a = dx + (p * (size_t)l->h + (size_t)(2 * i)) * row, *b = a + row;
            const float *g = dy + (p * (size_t)l->ho + (size_t)i) * (size_t)l->wo * c;
            for (int j = 0; j < l->wo; j++) {
                const size_t left = 2 * (size_t)j * c, right = left + c;
                for (size_t k = 0; k < c; k++) {
                    float share = 0.0f + g[(size_t)j * c + k] / 4.0f;
                    a[left + k] = a[right + k] = b[left + k] = b[right + k] = share;
                }
            }
        }
}

bool pool2d_takes_nhwc(const Pool2d *l) { return avg_2x2(l); }

void pool2d_forward_naive(const Pool2d *l, const float *x, float *y, int n) { pool2d_apply_naive(l, x, x, y, n); }

void pool2d_forward(const Pool2d *l, const float *x, float *y, int n) {
    if (l->nhwc)
        avg_2x2_forward_nhwc(l, x, y, n);
    else if (avg_2x2(l))
        avg_2x2_forward(l, x, y, n);
    else pool2d_apply_naive(l, x, x, y, n);
}

void pool2d_tangent(const Pool2d *l, const float *x, const float *rx, float *ry, int n) {
    if (avg_2x2(l)) avg_2x2_forward(l, rx, ry, n);
    else pool2d_apply_naive(l, x, rx, ry, n);
}

void pool2d_backward(const Pool2d *l, const float *x, const float *dy, float *dx, int n) {
    if (l->nhwc)
        avg_2x2_backward_nhwc(l, dy, dx, n);
    else if (avg_2x2(l))
        avg_2x2_backward(l, dy, dx, n);
    else pool2d_backward_naive(l, x, dy, dx, n);
}

/* x (N,C,H,W)  dy (N,C,Ho,Wo)  dx (N,C,H,W), written */
void pool2d_backward_naive(const Pool2d *l, const float *x, const float *dy, float *dx, int n) {
    size_t in_plane = (size_t)l->h * l->w, out_plane = (size_t)l->ho * l->wo;
    size_t planes = (size_t)n * l->c;
    memset(dx, 0, planes * in_plane * sizeof(float));
    for (size_t p = 0; p < planes; p++) {
        const float *xp = x + p * in_plane;
        const float *dyp = dy + p * out_plane;
        float *dxp = dx + p * in_plane;
        for (int i = 0; i < l->ho; i++) {
            for (int j = 0; j < l->wo; j++) {
                Window win = pool2d_window(l, i, j);
                float g = dyp[(size_t)i * l->wo + j];
                if (l->kind == POOL2D_MAX) {
                    long at = pool2d_argmax(xp, l->w, win);
                    if (at >= 0) dxp[at] += g;
                } else {
                    float share = g / pool2d_divisor(l, win);
                    for (int r = win.r0; r < win.r1; r++)
                        for (int c = win.c0; c < win.c1; c++) dxp[(size_t)r * l->w + c] += share;
                }
            }
        }
    }
}

/* x (N,C,S)  y (N,C) */
void sumpool_forward(const float *x, float *y, int n, int c, int s) {
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *xp = x + p * s;
        double t = 0.0;
        for (int k = 0; k < s; k++) t += xp[k];
        y[p] = (float)t;
    }
}

/* dy (N,C)  dx (N,C,S) */
void sumpool_backward(const float *dy, float *dx, int n, int c, int s) {
    for (size_t p = 0; p < (size_t)n * c; p++)
        for (int k = 0; k < s; k++) dx[p * s + k] = dy[p];
}

/* x (N,S,C)  y (N,C): GROUP channels at a time, each summed in double pixel by pixel as above */
void sumpool_forward_nhwc(const float *x, float *y, int n, int c, int s) {
    enum { GROUP = 64 };
    double t[GROUP];
    for (size_t p = 0; p < (size_t)n; p++)
        for (int c0 = 0; c0 < c; c0 += GROUP) {
            int g = c - c0 < GROUP ? c - c0 : GROUP;
            for (int k = 0; k < g; k++) t[k] = 0.0;
            const float *xp = x + p * (size_t)s * (size_t)c + (size_t)c0;
            for (int q = 0; q < s; q++, xp += c)
                for (int k = 0; k < g; k++) t[k] += xp[k];
            for (int k = 0; k < g; k++) y[p * (size_t)c + (size_t)(c0 + k)] = (float)t[k];
        }
}

/* dy (N,C)  dx (N,S,C) */
void sumpool_backward_nhwc(const float *dy, float *dx, int n, int c, int s) {
    for (size_t p = 0; p < (size_t)n; p++)
        for (int q = 0; q < s; q++)
            memcpy(dx + (p * (size_t)s + (size_t)q) * (size_t)c, dy + p * (size_t)c, (size_t)c * sizeof(float));
}
