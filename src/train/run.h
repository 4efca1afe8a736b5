/* run.h — what a training run leaves behind, written by one process (world rank 0).
 *
 * The run directory (docs/training.md):
 *   config.ini      the resolved config
 *   metrics.csv     one row every train.log_every steps (columns in docs/training.md)
 *   samples/step_NNNNNNNN.png   a grid (images), scatter (2-D points) or line charts (sequences
 *                   (T,1), beside real ones) of the fixed noise batch
 *   weights.h5      the final generator and discriminator (store/weights.h), and the EMA generator
 *   eval.txt        for toy mixtures: modes covered, high-quality fraction, W1 before and after;
 *                   for the sines toy: W1 of the dominant frequencies before and after
 * plus the progress line on the terminal. Everything here is refused or created before step 1.
 */
#ifndef NASH_TRAIN_RUN_H
#define NASH_TRAIN_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "core/status.h"
#include "data/toy.h"
#include "gan/gan.h"
#include "store/checkpoint.h"
#include "train/options.h"

typedef struct {
    const Config *cfg;
    const TrainOptions *opt;
    char dir[NASH_PATH_MAX];
    FILE *metrics;
    Shape sample;
    float *ref; /* up to RUN_REF_SAMPLES real samples: plots and distances */
    int64_t n_ref;
    bool toy;             /* the data is a toy mixture (mix holds it) */
    bool labelled_images; /* the data is images with labels (set by the trainer, which opened it) */
    int64_t n_data;       /* samples in the data file (likewise) */
    ToyMixture mix;
    int seq_len;       /* the data are the sines toy's sequences (T,1) of this length; else 0 */
    double w1_initial; /* vectors: W1 of the untrained generator to the data (sequences: of the
                          dominant frequencies, eval/sequence.h), else NAN */
    double t0;
    int64_t step0;                    /* the step this process started after (a resumed run's checkpoint) */
    char last_samples[NASH_PATH_MAX]; /* the picture run_samples wrote last */
    double images_per_s;              /* as of the last run_log */
} Run;

/* Read the reference samples (HDF5: call before any reader thread starts; Debian's HDF5 is not
 * thread-safe). Nothing is written. */
NashStatus run_prepare(Run *run, const Config *cfg, const TrainOptions *opt, Shape sample, NashError *err);
/* Create the run directory, config.ini and metrics.csv. Resuming after `resume_step` steps keeps
 * the metrics rows up to that step and appends after them. */
NashStatus run_open(Run *run, int64_t resume_step, NashError *err);
/* Write <run dir>/ckpt/step_NNNNNNNN.h5 for the state in gan (both players, their optimizers and
 * the EMA must be present on this process), with n_extra more players (the other discriminator
 * groups' Ds), and keep the newest output.keep. *path receives the file written (size bytes). */
NashStatus run_checkpoint(Run *run, Gan *gan, const CheckpointPlayer *extra, int n_extra, int64_t step,
                          int64_t data_batch, const char *layout, int world_size, char *path, size_t size,
                          NashError *err);
/* With G as gan_init made it (before a checkpoint is loaded): the untrained generator's distance
 * to the data. Writes nothing. */
NashStatus run_start(Run *run, Gan *gan, NashError *err);
/* A metrics row and the progress line. */
NashStatus run_log(Run *run, int64_t step, int64_t epoch, const StepStats *stats, const TimeSplit *time,
                   NashError *err);
/* A sample picture of the fixed noise batch at `step` (needs G). */
NashStatus run_samples(Run *run, Gan *gan, int64_t step, NashError *err);
/* The end: the last picture, weights.h5 (needs G and D's parameters in gan; HDF5: no reader
 * thread may be running), eval.txt. */
NashStatus run_finish(Run *run, Gan *gan, NashError *err);
void run_close(Run *run);

#endif
