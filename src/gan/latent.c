/* latent.c — spherical linear interpolation of latent vectors (latent.h; Shoemake 1985). */
#include "gan/latent.h"

#include <math.h>
#include <string.h>

void latent_slerp(const float *a, const float *b, size_t dim, double t, float *out) {
    double aa = 0.0, bb = 0.0, ab = 0.0;
    for (size_t i = 0; i < dim; i++) {
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
        ab += (double)a[i] * b[i];
    }
    double norms = sqrt(aa) * sqrt(bb);
    double ca = 1.0 - t, cb = t; /* linear, unless the angle is large enough to slerp */
    if (norms > 0.0) {
        double cosine = ab / norms;
        if (cosine > 1.0) cosine = 1.0;
        if (cosine < -1.0) cosine = -1.0;
        double omega = acos(cosine), s = sin(omega);
        if (s >= LATENT_SLERP_MIN_SIN) {
            ca = sin((1.0 - t) * omega) / s;
            cb = sin(t * omega) / s;
        }
    }
    for (size_t i = 0; i < dim; i++) out[i] = (float)(ca * a[i] + cb * b[i]);
}

void latent_slerp_grid(const float *ends, int rows, int cols, size_t dim, float *z) {
    for (int r = 0; r < rows; r++) {
        const float *a = ends + (size_t)(2 * r) * dim, *b = a + dim;
        float *row = z + (size_t)r * (size_t)cols * dim;
        memcpy(row, a, dim * sizeof *row);
        for (int c = 1; c < cols - 1; c++) latent_slerp(a, b, dim, (double)c / (cols - 1), row + (size_t)c * dim);
        memcpy(row + (size_t)(cols - 1) * dim, b, dim * sizeof *row);
    }
}
