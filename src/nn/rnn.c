/* rnn.c — Elman RNN with tanh, batch-first, with backpropagation through time (see rnn.h).
 *
 *   a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh,   h_t = tanh(a_t)
 *   backward, t = T-1..0:  g_t = dy_t + carry,  da_t = g_t (1 - h_t^2),  carry = da_t W_hh
 *   then  dx = da W_ih,  dW_ih += da^T x,  dW_hh += da^T h_prev,  db_ih = db_hh += sum da
 * Fast path: sgemm over all N*T rows wherever the steps are independent; the recurrence is one
 * sgemm per step on strided rows (leading dimension T*H). The *_naive twins loop in double.
 */
#include "nn/rnn.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

size_t rnn_cache_floats(const Rnn *l, int n) { return (size_t)n * l->steps * l->hidden; }

size_t rnn_work_floats(const Rnn *l, int n) { return (size_t)n * l->hidden * (2 * (size_t)l->steps + 1); }

/* y from the cached states: all of them, or h_{T-1} of each sample. */
static void rnn_output(const Rnn *l, float *y, int n) {
    size_t th = (size_t)l->steps * l->hidden;
    if (l->seq) {
        memcpy(y, l->cache, (size_t)n * th * sizeof *y);
        return;
    }
    for (int i = 0; i < n; i++)
        memcpy(y + (size_t)i * l->hidden, l->cache + i * th + th - l->hidden, (size_t)l->hidden * sizeof *y);
}

/* The upstream gradient reaching h_t of sample i directly (not through h_{t+1}); NULL if none. */
static const float *rnn_dy_at(const Rnn *l, const float *dy, int i, int t) {
    if (l->seq) return dy + ((size_t)i * l->steps + t) * l->hidden;
    return t == l->steps - 1 ? dy + (size_t)i * l->hidden : NULL;
}

/* x (N,T,I)  h0 (N,H) or NULL  y (N,T,H) | (N,H) */
void rnn_forward(const Rnn *l, const float *x, const float *h0, float *y, int n) {
    if (n <= 0) return;
    int in = l->in, hid = l->hidden, steps = l->steps;
    size_t rows = (size_t)n * steps;
    float *h = l->cache;
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < hid; j++) h[r * hid + j] = l->has_bias ? l->bias_ih[j] + l->bias_hh[j] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, hid, in, 1.0f, x, in, l->weight_ih, in, 1.0f, h,
                hid);
    int ld = steps * hid;
    for (int t = 0; t < steps; t++) {
        const float *prev = t ? h + (size_t)(t - 1) * hid : h0;
        if (prev)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, hid, hid, 1.0f, prev, t ? ld : hid, l->weight_hh,
                        hid, 1.0f, h + (size_t)t * hid, ld);
        for (int i = 0; i < n; i++) {
            float *ht = h + (size_t)i * ld + (size_t)t * hid;
            for (int j = 0; j < hid; j++) ht[j] = tanhf(ht[j]);
        }
    }
    rnn_output(l, y, n);
}

/* x (N,T,I)  h0 (N,H) or NULL  dy (N,T,H) | (N,H)  dx (N,T,I) or NULL  dh0 (N,H) or NULL */
void rnn_backward(const Rnn *l, const float *x, const float *h0, const float *dy, float *dx, float *dh0, int n,
                  bool param_grads, float *work) {
    if (n <= 0) return;
    int in = l->in, hid = l->hidden, steps = l->steps, ld = steps * hid;
    size_t rows = (size_t)n * steps;
    const float *h = l->cache;
    float *da = work, *hprev = work + rows * hid, *carry = hprev + rows * hid; /* (N,T,H) (N,T,H) (N,H) */
    memset(carry, 0, (size_t)n * hid * sizeof *carry);
    for (int t = steps - 1; t >= 0; t--) {
        for (int i = 0; i < n; i++) {
            const float *up = rnn_dy_at(l, dy, i, t), *ht = h + (size_t)i * ld + (size_t)t * hid;
            float *dat = da + (size_t)i * ld + (size_t)t * hid, *c = carry + (size_t)i * hid;
            for (int j = 0; j < hid; j++) dat[j] = ((up ? up[j] : 0.0f) + c[j]) * (1.0f - ht[j] * ht[j]);
        }
        if (t > 0 || dh0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, hid, hid, 1.0f, da + (size_t)t * hid, ld,
                        l->weight_hh, hid, 0.0f, carry, hid);
    }
    if (dh0) memcpy(dh0, carry, (size_t)n * hid * sizeof *dh0);
    if (param_grads) {
        for (int i = 0; i < n; i++) {
            float *hp = hprev + (size_t)i * ld;
            if (h0)
                memcpy(hp, h0 + (size_t)i * hid, (size_t)hid * sizeof *hp);
            else
                memset(hp, 0, (size_t)hid * sizeof *hp);
            memcpy(hp + hid, h + (size_t)i * ld, (size_t)(steps - 1) * hid * sizeof *hp);
        }
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hid, in, (int)rows, 1.0f, da, hid, x, in, 1.0f,
                    l->dweight_ih, in);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hid, hid, (int)rows, 1.0f, da, hid, hprev, hid, 1.0f,
                    l->dweight_hh, hid);
        if (l->has_bias)
            for (size_t r = 0; r < rows; r++)
                for (int j = 0; j < hid; j++) {
                    l->dbias_ih[j] += da[r * hid + j];
                    l->dbias_hh[j] += da[r * hid + j];
                }
    }
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, in, hid, 1.0f, da, hid, l->weight_ih, in,
                    0.0f, dx, in);
}

/* ---- the naive reference: one step, one sample, one unit at a time -------------------------- */

/* The state before step t of sample i: h_{t-1}, h0, or NULL for zeros. */
static const float *rnn_prev(const Rnn *l, const float *h0, int i, int t) {
    if (t > 0) return l->cache + ((size_t)i * l->steps + t - 1) * l->hidden;
    return h0 ? h0 + (size_t)i * l->hidden : NULL;
}

void rnn_forward_naive(const Rnn *l, const float *x, const float *h0, float *y, int n) {
    int in = l->in, hid = l->hidden;
    for (int i = 0; i < n; i++)
        for (int t = 0; t < l->steps; t++) {
            const float *xt = x + ((size_t)i * l->steps + t) * in, *prev = rnn_prev(l, h0, i, t);
            float *ht = l->cache + ((size_t)i * l->steps + t) * hid;
            for (int j = 0; j < hid; j++) {
                double a = l->has_bias ? (double)l->bias_ih[j] + l->bias_hh[j] : 0.0;
                for (int k = 0; k < in; k++) a += (double)l->weight_ih[(size_t)j * in + k] * xt[k];
                if (prev)
                    for (int k = 0; k < hid; k++) a += (double)l->weight_hh[(size_t)j * hid + k] * prev[k];
                ht[j] = (float)tanh(a);
            }
        }
    rnn_output(l, y, n);
}

void rnn_backward_naive(const Rnn *l, const float *x, const float *h0, const float *dy, float *dx, float *dh0, int n,
                        bool param_grads, float *work) {
    int in = l->in, hid = l->hidden, steps = l->steps;
    float *da = work, *carry = work + (size_t)n * steps * hid; /* (N,T,H) (H) */
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < hid; j++) carry[j] = 0.0f;
        for (int t = steps - 1; t >= 0; t--) {
            const float *up = rnn_dy_at(l, dy, i, t), *ht = l->cache + ((size_t)i * steps + t) * hid;
            float *dat = da + ((size_t)i * steps + t) * hid;
            for (int j = 0; j < hid; j++) dat[j] = (float)(((up ? up[j] : 0.0) + carry[j]) * (1.0 - ht[j] * ht[j]));
            for (int k = 0; k < hid; k++) {
                double acc = 0.0;
                for (int j = 0; j < hid; j++) acc += (double)dat[j] * l->weight_hh[(size_t)j * hid + k];
                carry[k] = (float)acc;
            }
        }
        if (dh0) memcpy(dh0 + (size_t)i * hid, carry, (size_t)hid * sizeof *dh0);
    }
    for (int i = 0; i < n; i++)
        for (int t = 0; t < steps; t++) {
            const float *dat = da + ((size_t)i * steps + t) * hid, *xt = x + ((size_t)i * steps + t) * in;
            const float *prev = rnn_prev(l, h0, i, t);
            if (param_grads)
                for (int j = 0; j < hid; j++) {
                    for (int k = 0; k < in; k++) l->dweight_ih[(size_t)j * in + k] += dat[j] * xt[k];
                    if (prev)
                        for (int k = 0; k < hid; k++) l->dweight_hh[(size_t)j * hid + k] += dat[j] * prev[k];
                    if (l->has_bias) {
                        l->dbias_ih[j] += dat[j];
                        l->dbias_hh[j] += dat[j];
                    }
                }
            if (dx)
                for (int k = 0; k < in; k++) {
                    double acc = 0.0;
                    for (int j = 0; j < hid; j++) acc += (double)dat[j] * l->weight_ih[(size_t)j * in + k];
                    dx[((size_t)i * steps + t) * in + k] = (float)acc;
                }
        }
}
