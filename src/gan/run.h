/* trainer.h — a whole training run in one process: data, steps, outputs.
 *
 * Writes into the run directory (docs/training.md):
 *   config.ini      the resolved config
 *   metrics.csv     one row every train.log_every steps (columns in docs/training.md)
 *   samples/step_NNNNNNNN.png   a grid (images) or scatter (2-D points) of a fixed noise batch,
 *                   every output.sample_every steps and at the end
 *   weights.h5      the final generator and discriminator (io/weights.h), and the EMA generator
 *   eval.txt        for toy mixtures: modes covered and high-quality fraction at the end
 * and a progress line on the terminal. The same config and seed give bitwise-identical files.
 */
#ifndef NASH_GAN_TRAINER_H
#define NASH_GAN_TRAINER_H

#include <stdbool.h>
#include <stdio.h>

#include "core/status.h"
#include "io/config.h"

typedef struct {
    const char *run_dir; /* overrides output.dir when not NULL */
    FILE *progress;      /* where the progress line goes (NULL: nowhere) */
    bool progress_tty;   /* redraw one line in place instead of printing lines */
} TrainOptions;

NashStatus trainer_run(const Config *cfg, const TrainOptions *opt, NashError *err);

#endif
