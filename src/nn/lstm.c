/* lstm.c — LSTM, batch-first, with backpropagation through time (formulas in lstm.h).
 *
 * Backward through one step, for the gradient g of h_t (upstream plus what h_{t+1} sends back)
 * and the gradient carried to c_t from step t+1:
 *   dc = carry_c + g o (1 - tanh^2 c_t),   do = g tanh c_t,   di = dc g,   dg = dc i,
 *   df = dc c_{t-1},   carry_c <- dc f
 * and through the nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - t^2, giving the gradient of
 * the 4H pre-activations dz_t; then carry_h <- dz_t W_hh, and over all steps
 *   dx = dz W_ih,  dW_ih += dz^T x,  dW_hh += dz^T h_prev,  db_ih = db_hh += sum dz.
 * The fast and naive paths share the elementwise cell (cell_forward, cell_backward) and differ in
 * the matrix products: cblas_sgemm over all rows or strided per-step rows, or plain double loops.
 */
#include "nn/lstm.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

size_t lstm_cache_floats(const Lstm *l, int n) { return (size_t)n * l->steps * l->hidden * 6; }

size_t lstm_work_floats(const Lstm *l, int n) { return (size_t)n * l->hidden * (5 * (size_t)l->steps + 2); }

static float sigmoidf(float v) { return 1.0f / (1.0f + expf(-v)); }

/* Views of the cache for sample i, step t: gates (4H), c (H), h (H). */
static float *gates_at(const Lstm *l, int n, int i, int t) {
    (void)n;
    return l->cache + ((size_t)i * l->steps + t) * 4 * l->hidden;
}
static float *c_at(const Lstm *l, int n, int i, int t) {
    return l->cache + (size_t)n * l->steps * 4 * l->hidden + ((size_t)i * l->steps + t) * l->hidden;
}
static float *h_at(const Lstm *l, int n, int i, int t) {
    return l->cache + (size_t)n * l->steps * 5 * l->hidden + ((size_t)i * l->steps + t) * l->hidden;
}

/* The states before step t of sample i (NULL: zeros). */
static const float *h_prev(const Lstm *l, const float *h0, int n, int i, int t) {
    if (t > 0) return h_at(l, n, i, t - 1);
    return h0 ? h0 + (size_t)i * l->hidden : NULL;
}
static const float *c_prev(const Lstm *l, const float *c0, int n, int i, int t) {
    if (t > 0) return c_at(l, n, i, t - 1);
    return c0 ? c0 + (size_t)i * l->hidden : NULL;
}

/* z (4H): pre-activations in, activated gates out; c, h (H) of this step from cp (or zeros). */
static void cell_forward(int hid, float *z, const float *cp, float *c, float *h) {
    for (int j = 0; j < hid; j++) {
        float gi = sigmoidf(z[j]), gf = sigmoidf(z[hid + j]), gg = tanhf(z[2 * hid + j]), go = sigmoidf(z[3 * hid + j]);
        z[j] = gi;
        z[hid + j] = gf;
        z[2 * hid + j] = gg;
        z[3 * hid + j] = go;
        c[j] = gf * (cp ? cp[j] : 0.0f) + gi * gg;
        h[j] = go * tanhf(c[j]);
    }
}

/* One step back: up (H) the direct gradient of h_t or NULL, ch (H) the carried gradient of h_t,
 * cc (H) the carried gradient of c_t (updated to c_{t-1}'s); dz (4H) written. */
static void cell_backward(int hid, const float *gate, const float *c, const float *cp, const float *up, const float *ch,
                          float *cc, float *dz) {
    for (int j = 0; j < hid; j++) {
        float gi = gate[j], gf = gate[hid + j], gg = gate[2 * hid + j], go = gate[3 * hid + j];
        float g = (up ? up[j] : 0.0f) + ch[j], tc = tanhf(c[j]);
        float dc = cc[j] + g * go * (1.0f - tc * tc);
        dz[j] = dc * gg * gi * (1.0f - gi);
        dz[hid + j] = dc * (cp ? cp[j] : 0.0f) * gf * (1.0f - gf);
        dz[2 * hid + j] = dc * gi * (1.0f - gg * gg);
        dz[3 * hid + j] = g * tc * go * (1.0f - go);
        cc[j] = dc * gf;
    }
}

static void lstm_output(const Lstm *l, float *y, int n) {
    if (l->seq) {
        memcpy(y, h_at(l, n, 0, 0), (size_t)n * l->steps * l->hidden * sizeof *y);
        return;
    }
    for (int i = 0; i < n; i++)
        memcpy(y + (size_t)i * l->hidden, h_at(l, n, i, l->steps - 1), (size_t)l->hidden * sizeof *y);
}

static const float *lstm_dy_at(const Lstm *l, const float *dy, int i, int t) {
    if (l->seq) return dy + ((size_t)i * l->steps + t) * l->hidden;
    return t == l->steps - 1 ? dy + (size_t)i * l->hidden : NULL;
}

/* x (N,T,I)  h0, c0 (N,H) or NULL  y (N,T,H) | (N,H) */
void lstm_forward(const Lstm *l, const float *x, const float *h0, const float *c0, float *y, int n) {
    if (n <= 0) return;
    int in = l->in, hid = l->hidden, steps = l->steps, g4 = 4 * hid;
    size_t rows = (size_t)n * steps;
    float *z = l->cache; /* (N,T,4H) */
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < g4; j++) z[r * g4 + j] = l->has_bias ? l->bias_ih[j] + l->bias_hh[j] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, g4, in, 1.0f, x, in, l->weight_ih, in, 1.0f, z, g4);
    for (int t = 0; t < steps; t++) {
        const float *prev = t ? h_at(l, n, 0, t - 1) : h0;
        if (prev)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, g4, hid, 1.0f, prev, t ? steps * hid : hid,
                        l->weight_hh, hid, 1.0f, gates_at(l, n, 0, t), steps * g4);
        for (int i = 0; i < n; i++)
            cell_forward(hid, gates_at(l, n, i, t), c_prev(l, c0, n, i, t), c_at(l, n, i, t), h_at(l, n, i, t));
    }
    lstm_output(l, y, n);
}

/* x (N,T,I)  h0, c0 (N,H) or NULL  dy (N,T,H) | (N,H)  dx (N,T,I) or NULL  dh0, dc0 (N,H) or NULL */
void lstm_backward(const Lstm *l, const float *x, const float *h0, const float *c0, const float *dy, float *dx,
                   float *dh0, float *dc0, int n, bool param_grads, float *work) {
    if (n <= 0) return;
    int in = l->in, hid = l->hidden, steps = l->steps, g4 = 4 * hid;
    size_t rows = (size_t)n * steps;
    float *dz = work, *hp = dz + rows * g4, *ch = hp + rows * hid, *cc = ch + (size_t)n * hid; /* see work_floats */
    memset(ch, 0, 2 * (size_t)n * hid * sizeof *ch);
    for (int t = steps - 1; t >= 0; t--) {
        for (int i = 0; i < n; i++)
            cell_backward(hid, gates_at(l, n, i, t), c_at(l, n, i, t), c_prev(l, c0, n, i, t), lstm_dy_at(l, dy, i, t),
                          ch + (size_t)i * hid, cc + (size_t)i * hid, dz + ((size_t)i * steps + t) * g4);
        if (t > 0 || dh0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hid, g4, 1.0f, dz + (size_t)t * g4, steps * g4,
                        l->weight_hh, hid, 0.0f, ch, hid);
    }
    if (dh0) memcpy(dh0, ch, (size_t)n * hid * sizeof *dh0);
    if (dc0) memcpy(dc0, cc, (size_t)n * hid * sizeof *dc0);
    if (param_grads) {
        for (int i = 0; i < n; i++)
            for (int t = 0; t < steps; t++) {
                const float *p = h_prev(l, h0, n, i, t);
                float *dst = hp + ((size_t)i * steps + t) * hid;
                if (p)
                    memcpy(dst, p, (size_t)hid * sizeof *dst);
                else
                    memset(dst, 0, (size_t)hid * sizeof *dst);
            }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g4, in, (int)rows, 1.0f, dz, g4, x, in, 1.0f,
                    l->dweight_ih, in);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g4, hid, (int)rows, 1.0f, dz, g4, hp, hid, 1.0f,
                    l->dweight_hh, hid);
        if (l->has_bias)
            for (size_t r = 0; r < rows; r++)
                for (int j = 0; j < g4; j++) {
                    l->dbias_ih[j] += dz[r * g4 + j];
                    l->dbias_hh[j] += dz[r * g4 + j];
                }
    }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, in, g4, 1.0f, dz, g4, l->weight_ih, in, 0.0f,
                    dx, in);
}

/* ---- the naive reference ---------------------------------------------------------------------- */

void lstm_forward_naive(const Lstm *l, const float *x, const float *h0, const float *c0, float *y, int n) {
    int in = l->in, hid = l->hidden, g4 = 4 * hid;
    for (int i = 0; i < n; i++)
        for (int t = 0; t < l->steps; t++) {
            const float *xt = x + ((size_t)i * l->steps + t) * in, *prev = h_prev(l, h0, n, i, t);
            float *z = gates_at(l, n, i, t);
            for (int j = 0; j < g4; j++) {
                double a = l->has_bias ? (double)l->bias_ih[j] + l->bias_hh[j] : 0.0;
                for (int k = 0; k < in; k++) a += (double)l->weight_ih[(size_t)j * in + k] * xt[k];
                if (prev)
                    for (int k = 0; k < hid; k++) a += (double)l->weight_hh[(size_t)j * hid + k] * prev[k];
                z[j] = (float)a;
            }
            cell_forward(hid, z, c_prev(l, c0, n, i, t), c_at(l, n, i, t), h_at(l, n, i, t));
        }
    lstm_output(l, y, n);
}

void lstm_backward_naive(const Lstm *l, const float *x, const float *h0, const float *c0, const float *dy, float *dx,
                         float *dh0, float *dc0, int n, bool param_grads, float *work) {
    int in = l->in, hid = l->hidden, steps = l->steps, g4 = 4 * hid;
    float *dz = work, *ch = dz + (size_t)n * steps * g4, *cc = ch + hid; /* (N,T,4H) (H) (H) */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < hid; j++) ch[j] = cc[j] = 0.0f;
        for (int t = steps - 1; t >= 0; t--) {
            float *dzt = dz + ((size_t)i * steps + t) * g4;
            cell_backward(hid, gates_at(l, n, i, t), c_at(l, n, i, t), c_prev(l, c0, n, i, t), lstm_dy_at(l, dy, i, t),
                          ch, cc, dzt);
            for (int k = 0; k < hid; k++) {
                double acc = 0.0;
                for (int j = 0; j < g4; j++) acc += (double)dzt[j] * l->weight_hh[(size_t)j * hid + k];
                ch[k] = (float)acc;
            }
        }
        if (dh0) memcpy(dh0 + (size_t)i * hid, ch, (size_t)hid * sizeof *dh0);
        if (dc0) memcpy(dc0 + (size_t)i * hid, cc, (size_t)hid * sizeof *dc0);
    }
    for (int i = 0; i < n; i++)
        for (int t = 0; t < steps; t++) {
            const float *dzt = dz + ((size_t)i * steps + t) * g4, *xt = x + ((size_t)i * steps + t) * in;
            const float *prev = h_prev(l, h0, n, i, t);
            if (param_grads)
                for (int j = 0; j < g4; j++) {
                    for (int k = 0; k < in; k++) l->dweight_ih[(size_t)j * in + k] += dzt[j] * xt[k];
                    if (prev)
                        for (int k = 0; k < hid; k++) l->dweight_hh[(size_t)j * hid + k] += dzt[j] * prev[k];
                    if (l->has_bias) {
                        l->dbias_ih[j] += dzt[j];
                        l->dbias_hh[j] += dzt[j];
                    }
                }
            if (dx)
                for (int k = 0; k < in; k++) {
                    double acc = 0.0;
                    for (int j = 0; j < g4; j++) acc += (double)dzt[j] * l->weight_ih[(size_t)j * in + k];
                    dx[((size_t)i * steps + t) * in + k] = (float)acc;
                }
        }
}
