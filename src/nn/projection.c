/* projection.c — the projection head (see projection.h), plain loops: it is C x K floats. */
#include "nn/projection.h"

#include <stddef.h>

/* h (N,C)  out (N,1) */
void projection_forward(const Projection *l, const float *h, float *out, int n) {
    const int C = l->c;
    for (int i = 0; i < n; i++) {
        const float *hi = h + (size_t)i * C, *e = l->embed + (size_t)l->labels[i] * C;
        double s = l->bias[0];
        for (int c = 0; c < C; c++) s += (double)hi[c] * ((double)l->weight[c] + e[c]);
        out[i] = (float)s;
    }
}

/* h (N,C)  dy (N,1)  dh (N,C) or NULL */
void projection_backward(const Projection *l, const float *h, const float *dy, float *dh, int n, bool param_grads) {
    const int C = l->c;
    for (int i = 0; i < n; i++) {
        const float *hi = h + (size_t)i * C;
        size_t row = (size_t)l->labels[i] * C;
        const float g = dy[i];
        if (param_grads) {
            l->dbias[0] += g;
            for (int c = 0; c < C; c++) {
                l->dweight[c] += g * hi[c];
                l->dembed[row + c] += g * hi[c];
            }
        }
        if (dh)
            for (int c = 0; c < C; c++) dh[(size_t)i * C + c] = g * (l->weight[c] + l->embed[row + c]);
    }
}
