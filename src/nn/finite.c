/* finite.c — NaN and infinity scans over flat arenas (finite.h). */
#include "nn/finite.h"

#include <math.h>

#include "core/clones.h"

NASH_CLONES static bool all_finite(const float *x, size_t n) {
    /* an accumulating sum is NaN when any term is NaN or when infinities of both signs meet; an
     * explicit isfinite per element keeps it exact and lets the compiler vectorise the loop */
    int bad = 0;
    for (size_t i = 0; i < n; i++) bad |= !isfinite(x[i]);
    return !bad;
}

bool finite_all(const float *x, size_t n) { return all_finite(x, n); }

const NetTensor *finite_first_bad(const Net *net, const float *arena) {
    for (int i = 0; i < net->n_params; i++) {
        const NetTensor *t = &net->param_info[i];
        if (!finite_all(arena + t->offset, t->numel)) return t;
    }
    return NULL;
}

const NetTensor *finite_first_bad_buffer(const Net *net) {
    for (int i = 0; i < net->n_buffers; i++) {
        const NetTensor *t = &net->buffer_info[i];
        if (!finite_all(net->buffers + t->offset, t->numel)) return t;
    }
    return NULL;
}
