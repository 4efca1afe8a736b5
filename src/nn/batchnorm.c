/* batchnorm.c — batch normalisation (Ioffe & Szegedy 2015) with torch.nn.BatchNorm semantics
 * and an optional cross-rank reducer for synchronised statistics (see batchnorm.h).
 *
 * Training forward, per channel c over M = N*S values (M summed across ranks by the reducer):
 *   scratch = [sum x (C), sum x^2 (C), M (1)]  -> reducer -> m = sum/M,  v = sumsq/M - m^2
 *   y = gamma (x - m) invstd + beta,  invstd = 1 / sqrt(v + eps)
 *   running_mean <- (1 - momentum) running_mean + momentum m
 *   running_var  <- (1 - momentum) running_var  + momentum v M/(M-1)
 * Training backward, xhat = (x - m) invstd:
 *   scratch = [sum dy (C), sum dy xhat (C)]  -> reducer (the global M is kept in scratch[2C])
 *   dx = gamma invstd (dy - sum dy / M - xhat sum(dy xhat) / M)
 *   dgamma += local sum dy xhat,  dbeta += local sum dy   (the caller averages across ranks)
 * Eval: m, v are the running statistics and are constants in backward:
 *   dx = gamma invstd dy.
 * Conditional (labels set): gamma and beta are sample i's class row, so gamma moves inside the
 * sums: dx = invstd (gamma_i dy - sum(gamma dy) / M - xhat sum(gamma dy xhat) / M), and each
 * sample's sums go to its class's row of dgamma and dbeta.
 * Each row of S values is summed in 8 float lanes (a single running sum is a chain of dependent
 * adds that cannot vectorise; it made batch norm 5.7% of the reference DCGAN's training step),
 * and the rows' totals are accumulated in double.
 * Channels-last (nhwc) tensors (N,S,C) are N*S rows of C, with loops of their own: the sums in
 * float lanes one per channel over blocks of ROW_BLOCK rows, each block's added in double; y and
 * dx by the same expressions in double as the NCHW loops, so only the sums' order differs. (The
 * loops for S = 1, on N*S rows, took twice as long: their sums are in double value by value.)
 */
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core/clones.h"

enum { LANES = 8 };

/* *s1 += sum a[k],  *s2 += sum a[k] (b[k] - shift), k < s: 8 float lanes within the row (the
 * vector registers), the row's total added in double. Lane l sums elements l, l + 8, l + 16...
 * Written as plain loops over the lanes, GCC vectorised them across the row instead, with a
 * transpose of every 8 x 8 block and spills: 4% of a bf16 DCGAN step. GCC's and clang's vector
 * types say what is meant, with the same additions in the same order. */
#if defined(__GNUC__)
typedef float Lanes __attribute__((vector_size(LANES * sizeof(float))));
#endif
NASH_CLONES static void row_sums(const float *a, const float *b, float shift, int s, double *s1, double *s2) {
    float l1[LANES] = {0}, l2[LANES] = {0};
    int k = 0;
#if defined(__GNUC__)
    Lanes v1 = {0}, v2 = {0}, va, vb;
    for (; k + LANES <= s; k += LANES) {
        memcpy(&va, a + k, sizeof va);
        memcpy(&vb, b + k, sizeof vb);
        v1 += va;
        v2 += va * (vb - shift);
    }
    memcpy(l1, &v1, sizeof l1);
    memcpy(l2, &v2, sizeof l2);
#else
    for (; k + LANES <= s; k += LANES)
        for (int l = 0; l < LANES; l++) {
            l1[l] += a[k + l];
            l2[l] += a[k + l] * (b[k + l] - shift);
        }
#endif
    double t1 = 0.0, t2 = 0.0;
    for (; k < s; k++) {
        t1 += a[k];
        t2 += (double)a[k] * ((double)b[k] - shift);
    }
    for (int l = 0; l < LANES; l++) {
        t1 += l1[l];
        t2 += l2[l];
    }
    *s1 += t1;
    *s2 += t2;
}

/* ---- channels-last: rows of C channels, GROUP channels at a time ------------------------------- */

enum { GROUP = 64, ROW_BLOCK = 64 };

static int group_of(int c, int c0) { return c - c0 < GROUP ? c - c0 : GROUP; }

/* s1[c] = sum a,  s2[c] = sum a (b - shift[c]) over `rows` rows (shift NULL: 0). a, b (rows, C) */
NASH_CLONES static void rows_sums(const float *a, const float *b, const float *shift, size_t rows, int C, double *s1,
                                  double *s2) {
    for (int c0 = 0; c0 < C; c0 += GROUP) {
        const int g = group_of(C, c0);
        float sh[GROUP];
        for (int k = 0; k < g; k++) sh[k] = shift ? shift[c0 + k] : 0.0f, s1[c0 + k] = s2[c0 + k] = 0.0;
        for (size_t r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
            float t1[GROUP] = {0}, t2[GROUP] = {0};
            const size_t r1 = rows - r0 < ROW_BLOCK ? rows : r0 + ROW_BLOCK;
            for (size_t r = r0; r < r1; r++) {
                const float *ar = a + r * (size_t)C + c0, *br = b + r * (size_t)C + c0;
                for (int k = 0; k < g; k++) {
                    t1[k] += ar[k];
                    t2[k] += ar[k] * (br[k] - sh[k]);
                }
            }
            for (int k = 0; k < g; k++) s1[c0 + k] += t1[k], s2[c0 + k] += t2[k];
        }
    }
}

/* y = x scale + shift per channel, in double as batchnorm_normalise. x, y (rows, C) */
NASH_CLONES static void rows_normalise(const BatchNorm *l, const float *x, float *y, size_t rows, const double *mean,
                                       const double *invstd) {
    const int C = l->c;
    for (int c0 = 0; c0 < C; c0 += GROUP) {
        const int g = group_of(C, c0);
        double scale[GROUP], shift[GROUP];
        for (int k = 0; k < g; k++) {
            scale[k] = l->weight[c0 + k] * invstd[c0 + k];
            shift[k] = l->bias[c0 + k] - mean[c0 + k] * scale[k];
        }
        for (size_t r = 0; r < rows; r++) {
            const float *xr = x + r * (size_t)C + c0;
            float *yr = y + r * (size_t)C + c0;
            for (int k = 0; k < g; k++) yr[k] = (float)(xr[k] * scale[k] + shift[k]);
        }
    }
}

/* dx from dy: training (means of dy and dy xhat given) by batchnorm_dx's expression, or eval
 * (mean_dy NULL: dx = gamma dy / sqrt(running_var + eps)). x, dy, dx (rows, C) */
NASH_CLONES static void rows_dx(const BatchNorm *l, const float *x, const float *dy, float *dx, size_t rows,
                                const double *mean_dy, const double *mean_dy_xhat) {
    const int C = l->c;
    for (int c0 = 0; c0 < C; c0 += GROUP) {
        const int g = group_of(C, c0);
        double mean[GROUP], invstd[GROUP], scale[GROUP], m1[GROUP], m2[GROUP];
        for (int k = 0; k < g; k++) {
            const int c = c0 + k;
            mean[k] = l->save_mean[c], invstd[k] = l->save_invstd[c];
            scale[k] = mean_dy ? l->weight[c] * invstd[k] : l->weight[c] / sqrt((double)l->running_var[c] + l->eps);
            m1[k] = mean_dy ? mean_dy[c] : 0.0, m2[k] = mean_dy ? mean_dy_xhat[c] : 0.0;
        }
        for (size_t r = 0; r < rows; r++) {
            const size_t at = r * (size_t)C + (size_t)c0;
            if (!mean_dy) {
                for (int k = 0; k < g; k++) dx[at + k] = (float)(dy[at + k] * scale[k]);
                continue;
            }
            for (int k = 0; k < g; k++) {
                double xhat = (x[at + k] - mean[k]) * invstd[k];
                dx[at + k] = (float)(scale[k] * (dy[at + k] - m1[k] - xhat * m2[k]));
            }
        }
    }
}

/* *s1 += sum a,  *s2 += sum a (b - shift), over channel c of every sample, for every c; shift
 * (C) or NULL for 0. With S = 1 (batch norm after a dense layer) the channels are the vector.
 * a, b (N,C,S)  s1, s2 (C), zeroed here */
NASH_CLONES static void channel_sums(const BatchNorm *l, const float *a, const float *b, const float *shift, int n,
                                     double *s1, double *s2) {
    const int C = l->c, S = l->s;
    if (l->nhwc) {
        rows_sums(a, b, shift, (size_t)n * (size_t)S, C, s1, s2);
        return;
    }
    for (int c = 0; c < C; c++) s1[c] = s2[c] = 0.0;
    if (S == 1) {
        for (int i = 0; i < n; i++) {
            const float *ai = a + (size_t)i * C, *bi = b + (size_t)i * C;
            for (int c = 0; c < C; c++) { /* GCC unswitches the loop on `shift` */
                s1[c] += ai[c];
                s2[c] += (double)ai[c] * ((double)bi[c] - (shift ? shift[c] : 0.0f));
            }
        }
        return;
    }
    for (int i = 0; i < n; i++)
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * S;
            row_sums(a + base, b + base, shift ? shift[c] : 0.0f, S, &s1[c], &s2[c]);
        }
}

/* Where sample i's gamma and beta start: row labels[i] of (K,C) when conditional, else 0. */
static size_t affine_row(const BatchNorm *l, int i) { return l->labels ? (size_t)l->labels[i] * l->c : 0; }

/* x (N,C,S)  y (N,C,S); per-channel (mean, invstd) in double. */
NASH_CLONES static void batchnorm_normalise(const BatchNorm *l, const float *x, float *y, int n, const double *mean,
                                            const double *invstd) {
    const int C = l->c, S = l->s;
    if (l->nhwc) {
        rows_normalise(l, x, y, (size_t)n * (size_t)S, mean, invstd);
        return;
    }
    if (S == 1) {
        for (int i = 0; i < n; i++) {
            const float *xi = x + (size_t)i * C, *gamma = l->weight + affine_row(l, i),
                        *beta = l->bias + affine_row(l, i);
            float *yi = y + (size_t)i * C;
            for (int c = 0; c < C; c++) {
                double scale = gamma[c] * invstd[c];
                yi[c] = (float)(xi[c] * scale + (beta[c] - mean[c] * scale));
            }
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        const float *gamma = l->weight + affine_row(l, i), *beta = l->bias + affine_row(l, i);
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * S;
            double scale = gamma[c] * invstd[c];
            double shift = beta[c] - mean[c] * scale;
            for (int k = 0; k < S; k++) y[base + k] = (float)(x[base + k] * scale + shift);
        }
    }
}

static void batchnorm_reduce(const BatchNorm *l, int count) {
    if (l->reducer) l->reducer->sum(l->scratch, count, l->reducer->ctx);
}

/* x (N,C,S)  y (N,C,S) */
static void batchnorm_forward_train(BatchNorm *l, const float *x, float *y, int n) {
    const int C = l->c;
    double *sum = l->scratch, *sumsq = l->scratch + C;
    channel_sums(l, x, x, NULL, n, sum, sumsq);
    l->scratch[2 * C] = (double)n * l->s;
    batchnorm_reduce(l, 2 * C + 1);

    /* The sums are no longer needed once turned into (mean, invstd): reuse their slots. */
    const double count = l->scratch[2 * C];
    double *mean = sum, *invstd = sumsq;
    const double momentum = l->momentum;
    for (int c = 0; c < C; c++) {
        double m = count > 0.0 ? sum[c] / count : 0.0;
        double v = count > 0.0 ? sumsq[c] / count - m * m : 0.0;
        if (v < 0.0) v = 0.0;
        double unbiased = count > 1.0 ? v * count / (count - 1.0) : v;
        l->running_mean[c] = (float)((1.0 - momentum) * l->running_mean[c] + momentum * m);
        l->running_var[c] = (float)((1.0 - momentum) * l->running_var[c] + momentum * unbiased);
        mean[c] = m;
        invstd[c] = 1.0 / sqrt(v + l->eps);
        l->save_mean[c] = (float)mean[c];
        l->save_invstd[c] = (float)invstd[c];
    }
    batchnorm_normalise(l, x, y, n, mean, invstd);
}

/* x (N,C,S)  y (N,C,S) */
void batchnorm_forward(BatchNorm *l, const float *x, float *y, int n) {
    if (l->training) {
        batchnorm_forward_train(l, x, y, n);
        return;
    }
    for (int c = 0; c < l->c; c++) {
        l->scratch[c] = l->running_mean[c];
        l->scratch[l->c + c] = 1.0 / sqrt((double)l->running_var[c] + l->eps);
    }
    batchnorm_normalise(l, x, y, n, l->scratch, l->scratch + l->c);
}

/* Conditional: g1 = sum gamma_i dy and g2 = sum gamma_i dy xhat per channel (zeroed here), and
 * when param_grads each sample's sum dy and sum dy xhat added to its class's row of dbeta and
 * dgamma. xhat = (x - mean) invstd. dy, x (N,C,S)  mean, invstd (C)  g1, g2 (C) */
static void cond_sums(const BatchNorm *l, const float *dy, const float *x, const float *mean, const float *invstd,
                      int n, bool param_grads, double *g1, double *g2) {
    const int C = l->c, S = l->s;
    for (int c = 0; c < C; c++) g1[c] = g2[c] = 0.0;
    for (int i = 0; i < n; i++) {
        size_t row = affine_row(l, i);
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * S;
            double s1 = 0.0, s2 = 0.0;
            row_sums(dy + base, x + base, mean[c], S, &s1, &s2);
            s2 *= invstd[c];
            if (param_grads) {
                l->dbias[row + c] += (float)s1;
                l->dweight[row + c] += (float)s2;
            }
            g1[c] += l->weight[row + c] * s1;
            g2[c] += l->weight[row + c] * s2;
        }
    }
}

static void batchnorm_add_param_grads(const BatchNorm *l, const double *sum_dy, const double *sum_dy_xhat) {
    for (int c = 0; c < l->c; c++) {
        l->dweight[c] += (float)sum_dy_xhat[c];
        l->dbias[c] += (float)sum_dy[c];
    }
}

/* x (N,C,S)  dy (N,C,S)  dx (N,C,S) or NULL; the running statistics are constants. */
NASH_CLONES static void batchnorm_backward_eval(const BatchNorm *l, const float *x, const float *dy, float *dx, int n,
                                                bool param_grads) {
    const int C = l->c;
    if (param_grads && l->labels) {
        float *invstd = l->save_invstd; /* eval mode keeps no batch statistics: free room */
        for (int c = 0; c < C; c++) invstd[c] = (float)(1.0 / sqrt((double)l->running_var[c] + l->eps));
        cond_sums(l, dy, x, l->running_mean, invstd, n, true, l->scratch, l->scratch + C);
    } else if (param_grads) {
        double *sum_dy = l->scratch, *sum_dy_xhat = l->scratch + C;
        channel_sums(l, dy, x, l->running_mean, n, sum_dy, sum_dy_xhat);
        for (int c = 0; c < C; c++) sum_dy_xhat[c] /= sqrt((double)l->running_var[c] + l->eps);
        batchnorm_add_param_grads(l, sum_dy, sum_dy_xhat);
    }
    if (!dx) return;
    if (l->nhwc) {
        rows_dx(l, x, dy, dx, (size_t)n * (size_t)l->s, NULL, NULL);
        return;
    }
    for (int i = 0; i < n; i++) {
        const float *gamma = l->weight + affine_row(l, i);
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * l->s;
            double scale = gamma[c] / sqrt((double)l->running_var[c] + l->eps);
            for (int k = 0; k < l->s; k++) dx[base + k] = (float)(dy[base + k] * scale);
        }
    }
}

/* The training input gradient, from the per-channel means of dy and dy xhat (conditional: with
 * gamma in them). x, dy, dx (N,C,S)  mean_dy, mean_dy_xhat (C) */
NASH_CLONES static void batchnorm_dx(const BatchNorm *l, const float *x, const float *dy, float *dx, int n,
                                     const double *mean_dy, const double *mean_dy_xhat) {
    const int C = l->c, S = l->s;
    if (l->nhwc) {
        rows_dx(l, x, dy, dx, (size_t)n * (size_t)S, mean_dy, mean_dy_xhat);
        return;
    }
    for (int i = 0; i < n; i++) {
        const float *gamma = l->weight + affine_row(l, i);
        for (int c = 0; c < C; c++) {
            size_t base = ((size_t)i * C + c) * S;
            double mean = l->save_mean[c], invstd = l->save_invstd[c];
            if (l->labels) { /* the means already carry gamma */
                double g = gamma[c];
                for (int k = 0; k < S; k++) {
                    double xhat = (x[base + k] - mean) * invstd;
                    dx[base + k] = (float)(invstd * (g * dy[base + k] - mean_dy[c] - xhat * mean_dy_xhat[c]));
                }
                continue;
            }
            double scale = gamma[c] * invstd;
            for (int k = 0; k < S; k++) {
                double xhat = (x[base + k] - mean) * invstd;
                dx[base + k] = (float)(scale * (dy[base + k] - mean_dy[c] - xhat * mean_dy_xhat[c]));
            }
        }
    }
}

/* x (N,C,S)  dy (N,C,S)  dx (N,C,S) or NULL */
void batchnorm_backward(const BatchNorm *l, const float *x, const float *dy, float *dx, int n, bool param_grads) {
    if (!l->training) {
        batchnorm_backward_eval(l, x, dy, dx, n, param_grads);
        return;
    }
    if (!dx && !param_grads) return;
    const int C = l->c;
    double *sum_dy = l->scratch, *sum_dy_xhat = l->scratch + C; /* conditional: times gamma_i */
    if (l->labels)
        cond_sums(l, dy, x, l->save_mean, l->save_invstd, n, param_grads, sum_dy, sum_dy_xhat);
    else {
        channel_sums(l, dy, x, l->save_mean, n, sum_dy, sum_dy_xhat);
        for (int c = 0; c < C; c++) sum_dy_xhat[c] *= l->save_invstd[c];
        if (param_grads) batchnorm_add_param_grads(l, sum_dy, sum_dy_xhat);
    }
    if (!dx) return;

    /* Every rank sees the same dx == NULL (the network decides it, not the data), so returning
     * before this collective cannot leave a rank waiting. The global M is still in scratch[2C],
     * left there by the training forward. */
    batchnorm_reduce(l, 2 * C);
    const double count = l->scratch[2 * C];
    double *mean_dy = sum_dy, *mean_dy_xhat = sum_dy_xhat; /* the sums become means in place */
    for (int c = 0; c < C; c++) {
        mean_dy[c] /= count;
        mean_dy_xhat[c] /= count;
    }
    batchnorm_dx(l, x, dy, dx, n, mean_dy, mean_dy_xhat);
}
