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

/* Discriminator group k's positions: [slice_start(B, K, k), slice_start(B, K, k+1)). */
static void group_range(const Layout *lay, int k, int *first, int *count) {
    *first = slice_start(lay->batch, lay->d_groups, k);
    *count = slice_start(lay->batch, lay->d_groups, k + 1) - *first;
}

void layout_d_slice(const Layout *lay, int j, int *first, int *count) {
    int m = lay->group_size, k = j / m, i = j % m, g0, gn;
    group_range(lay, k, &g0, &gn);
    *first = g0 + slice_start(gn, m, i);
    *count = slice_start(gn, m, i + 1) - slice_start(gn, m, i);
}

void layout_g_slice(const Layout *lay, int i, int *first, int *count) {
    if (!lay->split) { /* colocated: a rank's fakes are judged where they are made */
        layout_d_slice(lay, i, first, count);
        return;
    }
    *first = slice_start(lay->batch, lay->g_ranks, i);
    *count = slice_start(lay->batch, lay->g_ranks, i + 1) - *first;
}

int layout_d_world_rank(const Layout *lay, int j) { return lay->split ? lay->g_ranks + j : j; }

/* Each rank's positions of the global batch, and the largest slice of any rank. */
static void set_slices(Layout *lay) {
    if (lay->g_index >= 0) layout_g_slice(lay, lay->g_index, &lay->g_first, &lay->g_count);
    if (lay->d_index >= 0) {
        layout_d_slice(lay, lay->d_index, &lay->d_first, &lay->d_count);
        lay->d_group = lay->d_index / lay->group_size;
        group_range(lay, lay->d_group, &lay->group_first, &lay->group_batch);
    }
    lay->max_slice = 0;
    for (int i = 0; i < lay->g_ranks; i++) {
        int first, count;
        layout_g_slice(lay, i, &first, &count);
        if (count > lay->max_slice) lay->max_slice = count;
    }
    for (int j = 0; j < lay->d_ranks; j++) {
        int first, count;
        layout_d_slice(lay, j, &first, &count);
        if (count > lay->max_slice) lay->max_slice = count;
    }
}

/* cluster.discriminator_groups: equal groups of discriminator ranks. */
static NashStatus set_groups(Layout *lay, const Config *cfg, NashError *err) {
    int k = cfg->cluster.discriminator_groups > 0 ? cfg->cluster.discriminator_groups : 1;
    lay->d_groups = k;
    lay->d_group = -1;
    if (lay->d_ranks % k != 0) {
        char whose[96];
        if (lay->split)
            snprintf(whose, sizeof whose, "the ranks after cluster.generator_ranks = %d", lay->g_ranks);
        else
            snprintf(whose, sizeof whose, "%s", lay->size == 1 ? "one process" : "every rank, colocated");
        return nash_fail(err, NASH_ERR_CONFIG,
                         "cluster.discriminator_groups = %d needs the discriminator ranks to form %d equal groups, but "
                         "there %s %d (%s); run a multiple of %d discriminator ranks (mpirun -n), or set "
                         "discriminator_groups to a divisor of %d",
                         k, k, lay->d_ranks == 1 ? "is" : "are", lay->d_ranks, whose, k, lay->d_ranks);
    }
    lay->group_size = lay->d_ranks / k;
    return NASH_OK; /* batch >= d was checked: each group's batch, at least B/K, covers its d/K ranks */
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
        if ((st = set_groups(lay, cfg, err))) return st;
        set_slices(lay);
        MPI_Comm_dup(comm_training(), &lay->g_comm);
        MPI_Comm_split(comm_training(), lay->d_group, lay->rank, &lay->d_comm);
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
        (st = check_enough(lay->batch, lay->d_ranks, "discriminator ", err)) || (st = set_groups(lay, cfg, err)))
        return st;
    lay->has_g = lay->rank < g;
    lay->has_d = !lay->has_g;
    lay->g_index = lay->has_g ? lay->rank : -1;
    lay->d_index = lay->has_d ? lay->rank - g : -1;
    set_slices(lay);
    MPI_Comm group;
    MPI_Comm_split(comm_training(), lay->has_g ? 0 : 1, lay->rank, &group);
    /* the leaders are world rank 0 (generators) and world rank g (discriminators) */
    MPI_Intercomm_create(group, 0, comm_training(), lay->has_g ? g : 0, COMM_TAG_INTERCOMM, &lay->inter);
    if (lay->has_g) {
        lay->g_comm = group;
    } else { /* D's sums run over this rank's discriminator group */
        MPI_Comm_split(group, lay->d_group, lay->rank, &lay->d_comm);
        MPI_Comm_free(&group);
    }
    return NASH_OK;
}

void layout_free(Layout *lay) {
    if (lay->g_comm != MPI_COMM_NULL) MPI_Comm_free(&lay->g_comm);
    if (lay->d_comm != MPI_COMM_NULL) MPI_Comm_free(&lay->d_comm);
    if (lay->inter != MPI_COMM_NULL) MPI_Comm_free(&lay->inter);
}

void layout_describe(const Layout *lay, char *buf, int size) {
    int used;
    if (lay->split)
        used = snprintf(buf, (size_t)size, "split %dG+%dD", lay->g_ranks, lay->d_ranks);
    else
        used = snprintf(buf, (size_t)size, "colocated %d", lay->size);
    if (lay->d_groups > 1 && used >= 0 && used < size)
        snprintf(buf + used, (size_t)(size - used), " in %d discriminator groups", lay->d_groups);
}

int layout_described_groups(const char *described) {
    const char *in = strstr(described, " in ");
    int k = 0;
    if (in && sscanf(in, " in %d discriminator groups", &k) == 1 && k > 1) return k;
    return 1;
}
