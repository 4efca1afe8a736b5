/* layout.c — roles, communicators and batch slices (see layout.h). */
#include "comm/layout.h"

#include "comm/comm.h"
#include "core/shape.h"

#include <stdio.h>
#include <string.h>

static NashStatus check_enough(int batch, int ranks, const char *who, NashError *err) {
    if (batch >= ranks) return NASH_OK;
    return nash_fail(err, NASH_ERR_CONFIG,
                     "train.batch = %d gives %d %srank%s less than one sample each; use at least %d", batch, ranks, who,
                     ranks == 1 ? "" : "s", ranks);
}

/* Each rank's positions of the global batch: [slice_start(B, parts, i), slice_start(B, parts, i+1)). */
static void set_slices(Layout *lay) {
    int g = lay->g_ranks, d = lay->d_ranks;
    if (lay->g_index >= 0) {
        lay->g_first = slice_start(lay->batch, g, lay->g_index);
        lay->g_count = slice_start(lay->batch, g, lay->g_index + 1) - lay->g_first;
    }
    if (lay->d_index >= 0) {
        lay->d_first = slice_start(lay->batch, d, lay->d_index);
        lay->d_count = slice_start(lay->batch, d, lay->d_index + 1) - lay->d_first;
    }
    int fewest = g < d ? g : d;
    lay->max_slice = (lay->batch + fewest - 1) / fewest;
}

NashStatus layout_init(Layout *lay, const Config *cfg, NashError *err) {
    memset(lay, 0, sizeof *lay);
    lay->g_comm = lay->d_comm = lay->inter = MPI_COMM_NULL;
    MPI_Comm_rank(comm_training(), &lay->rank);
    MPI_Comm_size(comm_training(), &lay->size);
    lay->batch = cfg->train.batch;
    lay->split = cfg->cluster.layout == LAYOUT_SPLIT && lay->size > 1;
    if (!lay->split) {
        NashStatus st = check_enough(lay->batch, lay->size, "", err);
        if (st) return st;
        lay->has_g = lay->has_d = true;
        lay->g_ranks = lay->d_ranks = lay->size;
        lay->g_index = lay->d_index = lay->rank;
        set_slices(lay);
        MPI_Comm_dup(comm_training(), &lay->g_comm);
        MPI_Comm_dup(comm_training(), &lay->d_comm);
        return NASH_OK;
    }
    int g = cfg->cluster.generator_ranks;
    if (g < 1 || g >= lay->size)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "cluster.generator_ranks = %d leaves no %s rank among %d; with layout = split use 1 to %d", g,
                         g < 1 ? "generator" : "discriminator", lay->size, lay->size - 1);
    lay->g_ranks = g;
    lay->d_ranks = lay->size - g;
    NashStatus st;
    if ((st = check_enough(lay->batch, lay->g_ranks, "generator ", err)) ||
        (st = check_enough(lay->batch, lay->d_ranks, "discriminator ", err)))
        return st;
    lay->has_g = lay->rank < g;
    lay->has_d = !lay->has_g;
    lay->g_index = lay->has_g ? lay->rank : -1;
    lay->d_index = lay->has_d ? lay->rank - g : -1;
    set_slices(lay);
    MPI_Comm group;
    MPI_Comm_split(comm_training(), lay->has_g ? 0 : 1, lay->rank, &group);
    if (lay->has_g)
        lay->g_comm = group;
    else
        lay->d_comm = group;
    /* the leaders are world rank 0 (generators) and world rank g (discriminators) */
    MPI_Intercomm_create(group, 0, comm_training(), lay->has_g ? g : 0, COMM_TAG_INTERCOMM, &lay->inter);
    return NASH_OK;
}

void layout_free(Layout *lay) {
    if (lay->g_comm != MPI_COMM_NULL) MPI_Comm_free(&lay->g_comm);
    if (lay->d_comm != MPI_COMM_NULL) MPI_Comm_free(&lay->d_comm);
    if (lay->inter != MPI_COMM_NULL) MPI_Comm_free(&lay->inter);
}

void layout_describe(const Layout *lay, char *buf, int size) {
    if (lay->split)
        snprintf(buf, (size_t)size, "split %dG+%dD", lay->g_ranks, lay->d_ranks);
    else
        snprintf(buf, (size_t)size, "colocated %d", lay->size);
}
