/* specnorm.c — spectral normalisation by one power iteration per training forward (see
 * specnorm.h; Miyato et al. 2018, Algorithm 1; torch.nn.utils.spectral_norm). */
#include "nn/specnorm.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

#define SPECNORM_EPS 1e-12

/* W and dW, then the doubles on an even float offset */
static size_t doubles_at(int rows, int cols) { return (2 * (size_t)rows * (size_t)cols + 1) & ~(size_t)1; }

size_t specnorm_state_floats(int rows, int cols) { return doubles_at(rows, cols) + 2 * ((size_t)rows + cols); }

void specnorm_bind_state(SpecNorm *sn, float *state) {
    sn->w = state;
    sn->dw = state + (size_t)sn->rows * sn->cols;
    sn->work = (double *)(void *)(state + doubles_at(sn->rows, sn->cols));
}

/* a /= max(||a||, eps), the norm accumulated in double; a (n) */
static void normalize(float *a, const double *src, int n) {
    double s = 0.0;
    for (int i = 0; i < n; i++) s += src[i] * src[i];
    double norm = sqrt(s);
    if (norm < SPECNORM_EPS) norm = SPECNORM_EPS;
    for (int i = 0; i < n; i++) a[i] = (float)(src[i] / norm);
}

void specnorm_init_vectors(SpecNorm *sn, uint64_t seed, uint64_t stream) {
    float *vec[2] = {sn->u, sn->v};
    int len[2] = {sn->rows, sn->cols};
    for (int k = 0; k < 2; k++) {
        rng_normal_at(seed, stream, (uint64_t)k << 32, vec[k], (size_t)len[k]);
        for (int i = 0; i < len[k]; i++) sn->work[i] = vec[k][i];
        normalize(vec[k], sn->work, len[k]);
    }
}

void specnorm_forward(SpecNorm *sn) {
    const int R = sn->rows, C = sn->cols;
    const float *w = sn->w_orig;
    double *wv = sn->work, *wtu = sn->work + R;
    if (sn->training) {
        /* v = normalize(W^T u) */
        for (int j = 0; j < C; j++) wtu[j] = 0.0;
        for (int i = 0; i < R; i++) {
            const float *row = w + (size_t)i * C;
            double ui = sn->u[i];
            for (int j = 0; j < C; j++) wtu[j] += ui * row[j];
        }
        normalize(sn->v, wtu, C);
    }
    /* W v, and in training u = normalize(W v) */
    for (int i = 0; i < R; i++) {
        const float *row = w + (size_t)i * C;
        double s = 0.0;
        for (int j = 0; j < C; j++) s += (double)row[j] * sn->v[j];
        wv[i] = s;
    }
    if (sn->training) normalize(sn->u, wv, R);
    double sigma = 0.0;
    for (int i = 0; i < R; i++) sigma += sn->u[i] * wv[i];
    sn->sigma = sigma;
    const float inv = (float)(1.0 / sigma);
    for (size_t k = 0; k < (size_t)R * C; k++) sn->w[k] = w[k] * inv;
}

void specnorm_backward(const SpecNorm *sn) {
    const int R = sn->rows, C = sn->cols;
    double dot = 0.0;
    for (size_t k = 0; k < (size_t)R * C; k++) dot += (double)sn->dw[k] * sn->w[k];
    const double inv = 1.0 / sn->sigma;
    for (int i = 0; i < R; i++) {
        const float *g = sn->dw + (size_t)i * C;
        float *out = sn->dw_orig + (size_t)i * C;
        double a = dot * sn->u[i];
        for (int j = 0; j < C; j++) out[j] += (float)((g[j] - a * sn->v[j]) * inv);
    }
    memset(sn->dw, 0, (size_t)R * C * sizeof *sn->dw); /* the next backward brings its own */
}
