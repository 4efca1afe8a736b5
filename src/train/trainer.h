/* trainer.h — the state of one rank's training run, shared by train.c (setup and the step loop)
 * and report.c (logging, metrics and checkpoints). (private to train/)
 */
#ifndef NASH_TRAIN_TRAINER_H
#define NASH_TRAIN_TRAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "comm/layout.h"
#include "data/stream.h"
#include "gan/gan.h"
#include "publish/publish.h"
#include "store/checkpoint.h"
#include "train/eval_rank.h"
#include "train/evaluate.h"
#include "train/run.h"
#include "train/train.h"

/* One discriminator's state away from its own ranks: rank 0's copy of a discriminator group's D
 * (cluster.discriminator_groups) for checkpoints. */
typedef struct {
    char name[32]; /* its checkpoint group, "discriminator_1" */
    float *params, *buffers, *m, *v;
    int64_t steps;
} DiscriminatorCopy;

typedef struct {
    const Config *cfg;
    const TrainOptions *opt;
    Layout lay;
    Gan gan;
    Stream *stream;
    Run run;
    bool run_prepared, run_open;
    StatReducer g_reducer, d_reducer; /* over lay.g_comm and lay.d_comm (sync_bn) */
    float *rows;                      /* (max slice, sample): fakes arriving at D, input gradients arriving at G */
    Config *resolved;                 /* conditional GANs: the config with the data's classes filled in (cfg) */
    uint8_t *labels;                  /* conditional GANs: every label of the data file */
    int32_t *real_labels;             /* (max slice): the classes of this rank's real batch */
    int32_t *fake_labels;             /* (max slice): the classes of the fakes arriving at D (split) */
    float *label_rows;                /* (max slice): those classes travelling as floats (split) */
    float *pipe;                      /* pipelined: a step's fakes, (n_critic + 1, max slice, sample) */
    float *pipe_labels;               /* pipelined: their classes as floats, (n_critic + 1, max slice) */
    size_t width;
    double norm;                 /* 1 / B: the G loss's mean over the whole batch */
    double d_norm;               /* 1 / this rank's discriminator group's batch: D's losses (1 / B with one group) */
    int64_t swap_every;          /* discriminator groups: steps between passing each D on (0: one group) */
    DiscriminatorCopy *d_copies; /* rank 0, discriminator groups: groups 1 .. K-1's D, gathered for checkpoints */
    char d_group_name[32];       /* this rank's D in checkpoints: "discriminator", "discriminator_1", ... */
    StepStats stats;
    TimeSplit clock, logged; /* seconds so far, and at the last log */
    int64_t steps_logged;
    bool simultaneous, pipelined;
    bool trial; /* generator_ranks = auto: a timed run of a few steps that writes nothing (train.c) */
    Shape sample;
    int64_t first_step;              /* 1, or the step after the checkpoint resumed from */
    int batches_per_step;            /* data batches one step consumes */
    char resume_path[NASH_PATH_MAX]; /* the checkpoint resumed from, "" for a fresh run */
    CheckpointState resumed;
    MetricsPublisher *pub;            /* rank 0, when monitor.enabled */
    char run_id[METRICS_RUN_MAX + 1]; /* rank 0: the run's id, the resumed checkpoint's if it has one */
    Evaluator eval;                   /* rank 0: evaluation during training ([eval]) */
    EvalLink *eval_link;              /* rank 0, with cluster.eval_ranks: to the evaluation rank (train_run's;
                                         NULL in generator_ranks = auto's trials) */
    double eval_loss_d;               /* this rank's loss_d summed over the steps since the last evaluation */
    int64_t eval_steps;               /* those steps */
    /* the step's stop vote when it is read a step late (train.c, agree_step) */
    int vote[2];
    MPI_Request vote_request;
    bool vote_pending;
    int64_t vote_step;
    char vote_what[256]; /* what this rank found non-finite at vote_step */
} Trainer;

/* Everything a run needs before its first step, from t->cfg and t->opt (train.c): the layout,
 * the data, the networks, a resumed checkpoint; a trial (t->trial, generator_ranks = auto) writes
 * nothing. trainer_teardown frees what it made, also after a failed setup. */
NashStatus trainer_setup(Trainer *t, NashError *err);
void trainer_teardown(Trainer *t);
/* cluster.generator_ranks = auto (split_auto.c): the number of generator ranks whose step is the
 * shortest, timed for every split of the world's ranks; every rank calls and gets the same
 * answer, and rank 0 says what it timed. */
NashStatus trainer_choose_generator_ranks(const Config *cfg, const TrainOptions *opt, int *chosen, int *first_failed,
                                          NashError *err);

/* One step of the run's schedule (step.c) on this rank: its part of the exchanges, computing and
 * allreduces; every rank calls. */
NashStatus trainer_step(Trainer *t, int64_t step, NashError *err);
/* Log the step on rank 0 (metrics.csv, progress, the monitor): every rank contributes its
 * statistics and its own time split. Every rank calls. */
NashStatus trainer_log_step(Trainer *t, int64_t step, NashError *err);
/* The first rank of each discriminator group sends its D's parameters, buffers and optimizer
 * state to rank 0, which writes checkpoints and weights (group 0's into its own D, the others'
 * into d_copies). Nothing moves when rank 0 holds the only D. Every rank calls. */
void trainer_gather_discriminator(Trainer *t);
/* Discriminator groups at set-up (groups.c), after the layout and the resume are known: this
 * rank's D's checkpoint name, the resumed checkpoint's group count, every shard's size (and
 * classes, for a conditional GAN) and swap_every. */
NashStatus trainer_setup_groups(Trainer *t, int64_t n, NashError *err);
/* Rank 0, with discriminator groups: room for the other groups' Ds, after gan_init; and freeing it. */
NashStatus trainer_alloc_copies(Trainer *t, NashError *err);
void trainer_free_copies(Trainer *t);
/* Discriminator groups, every swap_every steps (after the step): each group passes its D, with
 * its optimizer state, on to the next group (k -> k+1 mod K), as MD-GAN's swap (step.c). */
void trainer_swap_discriminators(Trainer *t, int64_t step);
/* A D statistic of the logged step (a loss, a mean D output, the penalty) as the discriminator
 * ranks add it up: each group's ranks sum to their group's mean, so the sum over all ranks is
 * scaled to the mean over the groups. */
double trainer_d_share(const Trainer *t, double value);
/* A checkpoint of the state after `step` (every rank calls; rank 0 writes and sets path). */
NashStatus trainer_save_checkpoint(Trainer *t, int64_t step, char *path, size_t size, NashError *err);
/* After each step, every rank: with eval.every > 0, add this step's loss_d and, every eval.every
 * steps and at the last, sum it on rank 0, which evaluates G, writes eval.csv (readout.png at the
 * end) and publishes an eval message (train/evaluate.c). */
NashStatus trainer_evaluate(Trainer *t, int64_t step, NashError *err);

/* The divergence guard (train/guard.c): does this rank hold a non-finite loss, gradient or
 * parameter? `what` then names it. */
bool trainer_nonfinite(const Trainer *t, char *what, size_t size);
/* The status of a diverged run: the rank that found it says what and what to do. */
NashStatus trainer_diverged(const Trainer *t, int64_t step, int bad_rank, const char *what, NashError *err);

#endif
