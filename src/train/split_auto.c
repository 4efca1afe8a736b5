/* split_auto.c — cluster.generator_ranks = auto (docs/distributed.md): every split of the world's
 * ranks into a generator and a discriminator group is set up and timed over a few steps of the
 * run's own config, with nothing written, and the split with the shortest step is the run's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "comm/comm.h"
#include "train/trainer.h"

enum { TRIAL_WARMUP = 3, TRIAL_STEPS = 6 };

/* Seconds per step of the run's config with g generator ranks, over TRIAL_STEPS steps after
 * TRIAL_WARMUP: the run's own networks, data, schedule and ranks, from its initial state, with
 * nothing written. Every rank calls and gets the same time (the slowest rank's). */
static NashStatus time_split(const Config *cfg, const TrainOptions *opt, int g, double *seconds, int *first_failed,
                             NashError *err) {
    Config *c = malloc(sizeof *c);
    Trainer *t = calloc(1, sizeof *t);
    NashStatus st = c && t ? NASH_OK : nash_fail(err, NASH_ERR_NOMEM, "cannot allocate a trial of the split");
    int failed = -1;
    if (!st) {
        *c = *cfg;
        c->cluster.generator_ranks = g;
        c->train.steps = TRIAL_WARMUP + TRIAL_STEPS;
        c->monitor.enabled = false;
        t->cfg = c;
        t->opt = opt;
        t->trial = true;
        st = trainer_setup(t, err);
    }
    NashStatus all = comm_agree(st, &failed);
    if (!all) {
        double t0 = 0.0;
        for (int64_t step = 1; !st && step <= c->train.steps; step++) {
            if (step == TRIAL_WARMUP + 1) {
                comm_barrier();
                t0 = comm_wtime();
            }
            st = trainer_step(t, step, err);
        }
        comm_barrier();
        double elapsed[1] = {(comm_wtime() - t0) / TRIAL_STEPS};
        comm_sum_to_root(elapsed, 1); /* every rank measured the same span, between barriers */
        comm_bcast_bytes(elapsed, sizeof elapsed);
        *seconds = elapsed[0] / comm_size();
    } else if (!st) {
        st = nash_fail(err, all, "rank %d refused the run (see its message)", failed);
    }
    *first_failed = failed;
    if (t && t->cfg) trainer_teardown(t);
    free(t);
    free(c);
    return st;
}

/* The number of generator ranks whose step is the shortest, timed (time_split) for every split
 * of the world's ranks: every rank calls and gets the same answer. Rank 0 says what it timed. */
NashStatus trainer_choose_generator_ranks(const Config *cfg, const TrainOptions *opt, int *chosen, int *first_failed,
                                          NashError *err) {
    int ranks = comm_size();
    double best = INFINITY;
    char said[1024] = "";
    size_t used = 0;
    for (int g = 1; g < ranks; g++) {
        if (cfg->train.batch < g || cfg->train.batch < ranks - g) continue; /* layout_init refuses it */
        double seconds = INFINITY;
        NashStatus st = time_split(cfg, opt, g, &seconds, first_failed, err);
        if (st == NASH_ERR_CONFIG) { /* a split the config cannot run (batch norm over one sample): not a candidate */
            if (used < sizeof said)
                used += (size_t)snprintf(said + used, sizeof said - used, "%s%dG+%dD refused", used ? ", " : "", g,
                                         ranks - g);
            continue;
        }
        if (st) return nash_fail_context(err, "cluster.generator_ranks = auto, timing %dG+%dD: ", g, ranks - g);
        if (seconds < best) {
            best = seconds;
            *chosen = g;
        }
        if (used < sizeof said)
            used += (size_t)snprintf(said + used, sizeof said - used, "%s%dG+%dD %.1f ms", used ? ", " : "", g,
                                     ranks - g, 1e3 * seconds);
    }
    if (!isfinite(best)) /* every split refused: the last refusal says why (on the rank that refused) */
        return nash_fail_context(err, "cluster.generator_ranks = auto: no split of %d ranks can run train.batch = %d: ",
                                 ranks, cfg->train.batch);
    if (comm_rank() == 0 && opt->progress)
        fprintf(opt->progress, "layout: generator_ranks = auto timed %s per step: %dG+%dD\n", said, *chosen,
                ranks - *chosen);
    return NASH_OK;
}
