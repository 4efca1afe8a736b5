/* layout.h — who does what: the ranks' roles, their communicators and batch slices.
 *
 *   split      (cluster.layout = split, P >= 2) world ranks [0, g) form the generator group and
 *              [g, P) the discriminator group (g = cluster.generator_ranks), joined by an
 *              intercommunicator. Generator rank i makes the fakes of global batch positions
 *              [slice_start(B, g, i), slice_start(B, g, i+1)) (core/shape.h: slices differ by at
 *              most one when g does not divide B); discriminator rank j owns positions
 *              [slice_start(B, d, j), slice_start(B, d, j+1)) of the real batch and of the fakes.
 *   colocated  every rank holds both players and positions [slice_start(B, P, r), ...): plain data
 *              parallelism, the baseline. One process alone is a colocated world of one.
 * Gradients of each player are summed over the ranks that hold it; with cluster.sync_bn batch
 * statistics are too (docs/distributed.md).
 *
 * Discriminator groups (cluster.discriminator_groups = K, MD-GAN): the d discriminator ranks form
 * K groups of d/K consecutive ranks, each holding its own D. Group k owns the batch positions
 * [slice_start(B, K, k), slice_start(B, K, k+1)) (its group batch), and rank i of the group its
 * slice i of d/K of them; with K = 1 these are the slices above. D's gradients and statistics are
 * summed over the group only (d_comm is the group's). In the colocated layout a rank's generator
 * positions are its discriminator positions.
 */
#ifndef NASH_COMM_LAYOUT_H
#define NASH_COMM_LAYOUT_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "core/status.h"

typedef struct {
    bool split;
    int rank, size;               /* in MPI_COMM_WORLD */
    bool has_g, has_d;            /* the players this rank computes */
    int g_ranks, d_ranks;         /* ranks holding G and D */
    int g_index, d_index;         /* this rank's index among them, -1 when not one of them */
    MPI_Comm g_comm, d_comm;      /* the ranks holding G / D (MPI_COMM_NULL when not a member) */
    MPI_Comm inter;               /* split: between the groups; MPI_COMM_NULL otherwise */
    int batch;                    /* global batch B */
    int g_first, g_count;         /* this generator rank's positions [g_first, g_first + g_count) */
    int d_first, d_count;         /* this discriminator rank's positions */
    int max_slice;                /* the largest slice of any rank */
    int d_groups;                 /* K: discriminator groups (1 without MD-GAN) */
    int group_size;               /* discriminator ranks per group, d / K */
    int d_group;                  /* this rank's group, -1 when it holds no D */
    int group_first, group_batch; /* this rank's group's positions [group_first, group_first + group_batch) */
} Layout;

/* The positions of generator rank i and of discriminator rank j: [*first, *first + *count). */
void layout_g_slice(const Layout *lay, int i, int *first, int *count);
void layout_d_slice(const Layout *lay, int j, int *first, int *count);
/* The training-world rank of discriminator rank j. */
int layout_d_world_rank(const Layout *lay, int j);

/* Work out the layout from the config and the world size, refusing impossible ones with a
 * message naming the keys and numbers (no discriminator rank, fewer samples than ranks). */
NashStatus layout_init(Layout *lay, const Config *cfg, NashError *err);
void layout_free(Layout *lay);

/* "split 1G+3D" / "colocated 4", with " in K discriminator groups" when K > 1 */
void layout_describe(const Layout *lay, char *buf, int size);
/* The discriminator groups a layout_describe text names: K, or 1 when it names none. */
int layout_described_groups(const char *described);

#endif
