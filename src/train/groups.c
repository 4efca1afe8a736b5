/* groups.c — discriminator groups (cluster.discriminator_groups, MD-GAN) at set-up: which D a
 * rank holds in checkpoints, the checks on the resumed checkpoint and the data's shards, the
 * steps between swaps, and rank 0's copies of the other groups' Ds (trainer.h; the swap itself
 * is step.c's, the gathering for checkpoints report.c's; docs/distributed.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "comm/layout.h"
#include "core/arena.h"
#include "core/shape.h"
#include "train/trainer.h"

/* A conditional GAN with discriminator groups: every shard must hold every class, or a group's D
 * would judge fakes of a class it never sees real (the fakes' classes follow the whole file). */
static NashStatus check_shard_classes(const Trainer *t, int64_t n, NashError *err) {
    int k = t->lay.d_groups, classes = 0;
    for (int64_t i = 0; i < n; i++)
        if (t->labels[i] >= classes) classes = t->labels[i] + 1;
    for (int s = 0; s < k; s++) {
        int64_t lo = slice_start64(n, k, s), hi = slice_start64(n, k, s + 1);
        bool seen[256] = {false};
        for (int64_t i = lo; i < hi; i++) seen[t->labels[i]] = true;
        for (int c = 0; c < classes; c++)
            if (!seen[c])
                return nash_fail(
                    err, NASH_ERR_DATA,
                    "cluster.discriminator_groups = %d: discriminator group %d's shard of %s (samples %lld "
                    "to %lld) holds no sample of class %d, so its D would never see that class real; "
                    "shards are ranges of the file: write the file with its classes mixed, or use fewer "
                    "groups",
                    k, s, t->cfg->data.path, (long long)lo, (long long)(hi - 1), c);
    }
    return NASH_OK;
}

/* cluster.discriminator_groups: the checkpoint name of this rank's D, a resumed checkpoint saved
 * with as many groups, a shard of the data for each group that holds a group's batch, and the
 * steps between swaps (an epoch of the shortest shard: shards and group batches differ by at
 * most one sample, their epochs by a few batches). */
NashStatus trainer_setup_groups(Trainer *t, int64_t n, NashError *err) {
    const Layout *lay = &t->lay;
    int k = lay->d_groups;
    snprintf(t->d_group_name, sizeof t->d_group_name, "discriminator");
    if (lay->d_group > 0) snprintf(t->d_group_name, sizeof t->d_group_name, "discriminator_%d", lay->d_group);
    int saved = t->resume_path[0] ? layout_described_groups(t->resumed.layout) : k;
    if (saved != k)
        return nash_fail(err, NASH_ERR_CONFIG,
                         "%s was saved with cluster.discriminator_groups = %d (layout %s) but the config says %d; "
                         "resume with %d discriminator groups",
                         t->resume_path, saved, t->resumed.layout, k, saved);
    if (k == 1) return NASH_OK;
    NashStatus st = t->labels ? check_shard_classes(t, n, err) : NASH_OK;
    if (st) return st;
    int64_t shard = n / k;               /* the smallest shard */
    int most = (lay->batch + k - 1) / k; /* the largest group batch */
    if (shard < most)
        return nash_fail(
            err, NASH_ERR_DATA,
            "cluster.discriminator_groups = %d cuts the %lld samples of %s into shards of %lld, fewer "
            "than a group's batch of %d (train.batch = %d); use fewer groups, a smaller batch or more data",
            k, (long long)n, t->cfg->data.path, (long long)shard, most, lay->batch);
    int64_t batches = shard / most; /* a shard's batches per epoch, at least */
    t->swap_every = t->cfg->cluster.swap_every;
    if (t->swap_every == 0) t->swap_every = batches / t->batches_per_step > 0 ? batches / t->batches_per_step : 1;
    return NASH_OK;
}

/* Rank 0, with discriminator groups: room for the other groups' Ds (trainer_gather_discriminator). */
NashStatus trainer_alloc_copies(Trainer *t, NashError *err) {
    const Layout *lay = &t->lay;
    if (lay->rank != 0 || lay->d_groups == 1) return NASH_OK;
    t->d_copies = calloc((size_t)(lay->d_groups - 1), sizeof *t->d_copies);
    if (!t->d_copies) return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate the discriminator groups' copies");
    const Net *d = &t->gan.d;
    const Optimizer *o = &t->gan.opt_d;
    for (int k = 1; k < lay->d_groups; k++) {
        DiscriminatorCopy *c = &t->d_copies[k - 1];
        snprintf(c->name, sizeof c->name, "discriminator_%d", k);
        c->params = nash_alloc_zeroed(d->param_floats * sizeof(float));
        c->buffers = nash_alloc_zeroed((d->buffer_floats + 1) * sizeof(float));
        c->m = o->m ? nash_alloc_zeroed(o->n * sizeof(float)) : NULL;
        c->v = o->v ? nash_alloc_zeroed(o->n * sizeof(float)) : NULL;
        if (!c->params || !c->buffers || (o->m && !c->m) || (o->v && !c->v))
            return nash_fail(err, NASH_ERR_NOMEM, "cannot allocate discriminator group %d's copy on rank 0", k);
    }
    return NASH_OK;
}

void trainer_free_copies(Trainer *t) {
    for (int k = 1; t->d_copies && k < t->lay.d_groups; k++) {
        DiscriminatorCopy *c = &t->d_copies[k - 1];
        nash_free(c->params);
        nash_free(c->buffers);
        nash_free(c->m);
        nash_free(c->v);
    }
    free(t->d_copies);
    t->d_copies = NULL;
}
