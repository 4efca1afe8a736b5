/* classes.c — class labels for conditional fakes (see classes.h). */
#include "gan/classes.h"

#include <stdlib.h>

#include "core/rng.h"

NashStatus class_prior_init(ClassPrior *p, const uint8_t *labels, int64_t n, int classes, const char *what,
                            NashError *err) {
    p->classes = classes;
    p->cdf = calloc((size_t)classes, sizeof *p->cdf);
    if (!p->cdf) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d class frequencies", classes);
    int64_t *count = calloc((size_t)classes, sizeof *count);
    if (!count) {
        class_prior_free(p);
        return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate %d class counts", classes);
    }
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] >= classes) {
            free(count);
            class_prior_free(p);
            return nash_fail(err, NASH_ERR_DATA, "%s: /labels[%lld] = %d, but the network has classes=%d", what,
                             (long long)i, labels[i], classes);
        }
        count[labels[i]]++;
    }
    int64_t run = 0;
    for (int k = 0; k < classes; k++) {
        run += count[k];
        p->cdf[k] = n > 0 ? (double)run / (double)n : (double)(k + 1) / classes;
    }
    p->cdf[classes - 1] = 1.0;
    free(count);
    return NASH_OK;
}

void class_prior_free(ClassPrior *p) {
    free(p->cdf);
    p->cdf = NULL;
}

void class_prior_draw(const ClassPrior *p, uint64_t seed, uint64_t stream, int64_t first, int n, int32_t *out) {
    enum { CHUNK = 256 };
    float u[CHUNK];
    for (int done = 0; done < n; done += CHUNK) {
        int k = n - done < CHUNK ? n - done : CHUNK;
        rng_uniform_at(seed, CLASSES_STREAM + stream, (uint64_t)(first + done), u, (size_t)k);
        for (int i = 0; i < k; i++) {
            int c = 0;
            while (c < p->classes - 1 && (double)u[i] >= p->cdf[c]) c++;
            out[done + i] = c;
        }
    }
}

void classes_in_turn(int classes, int64_t first, int n, int32_t *out) {
    for (int i = 0; i < n; i++) out[i] = (int32_t)((first + i) % classes);
}
