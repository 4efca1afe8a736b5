/* exchange.c — fakes to the discriminators, their gradients back (see exchange.h). */
#include "comm/exchange.h"

#define EXCHANGE_MAX_PEERS 1024

/* The overlap of generator rank i's and discriminator rank j's positions: [*lo, *hi). */
static void overlap(const Layout *lay, int i, int j, int *lo, int *hi) {
    int g0, gn, d0, dn;
    layout_g_slice(lay, i, &g0, &gn);
    layout_d_slice(lay, j, &d0, &dn);
    *lo = g0 > d0 ? g0 : d0;
    *hi = g0 + gn < d0 + dn ? g0 + gn : d0 + dn;
}

/* `sending` ranks send the overlapping rows to every peer of the other group; the others
 * receive them. Position p sits at row p - first of each side's buffer. */
static size_t exchange(const Layout *lay, float *rows, size_t width, int tag, int from_g) {
    MPI_Request req[EXCHANGE_MAX_PEERS];
    int n_req = 0;
    size_t bytes = 0;
    int me = lay->has_g ? lay->g_index : lay->d_index;
    int first = lay->has_g ? lay->g_first : lay->d_first;
    int peers = lay->has_g ? lay->d_ranks : lay->g_ranks;
    int sending = lay->has_g == from_g;
    for (int p = 0; p < peers && n_req < EXCHANGE_MAX_PEERS; p++) {
        int lo, hi;
        if (lay->has_g)
            overlap(lay, me, p, &lo, &hi);
        else
            overlap(lay, p, me, &lo, &hi);
        if (hi <= lo) continue;
        float *at = rows + (size_t)(lo - first) * width;
        int count = (int)((size_t)(hi - lo) * width);
        if (sending)
            MPI_Isend(at, count, MPI_FLOAT, p, tag, lay->inter, &req[n_req++]);
        else
            MPI_Irecv(at, count, MPI_FLOAT, p, tag, lay->inter, &req[n_req++]);
        bytes += (size_t)count * sizeof(float);
    }
    MPI_Waitall(n_req, req, MPI_STATUSES_IGNORE);
    return bytes;
}

size_t exchange_to_d(const Layout *lay, float *rows, size_t width, int tag) {
    return exchange(lay, rows, width, tag, 1);
}

size_t exchange_to_g(const Layout *lay, float *rows, size_t width, int tag) {
    return exchange(lay, rows, width, tag, 0);
}
