/* modes.c — mode coverage and sample quality on toy mixtures (see modes.h). */
#include "eval/modes.h"

#include <math.h>
#include <string.h>

void mode_coverage(const ToyMixture *m, const float *x, int64_t n, double n_std, double min_share, ModeCoverage *out) {
    memset(out, 0, sizeof *out);
    out->k = m->k;
    int64_t hits[TOY_MAX_COMPONENTS] = {0}, good = 0;
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        double best_d2 = INFINITY;
        for (int k = 0; k < m->k; k++) {
            double d2 = 0.0;
            for (int j = 0; j < m->dim; j++) {
                double d = (double)x[i * m->dim + j] - m->means[k][j];
                d2 += d * d;
            }
            if (d2 < best_d2) {
                best_d2 = d2;
                best = k;
            }
        }
        double radius = n_std * m->stds[best];
        if (best_d2 <= radius * radius) {
            hits[best]++;
            good++;
        }
    }
    for (int k = 0; k < m->k; k++) {
        out->share[k] = n ? (double)hits[k] / (double)n : 0.0;
        if (n && out->share[k] >= min_share) out->covered++;
    }
    out->high_quality = n ? (double)good / (double)n : 0.0;
}
