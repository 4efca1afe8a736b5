/* options.h — how `nash train` was asked to run (TrainOptions, from the command line) and where
 * a step's time goes (TimeSplit), shared by the loop (train.c) and the run's outputs (run.c).
 */
#ifndef NASH_TRAIN_OPTIONS_H
#define NASH_TRAIN_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "core/status.h"

typedef struct {
    const char *run_dir; /* overrides output.dir when not NULL */
    FILE *progress;      /* where the progress line goes (NULL: nowhere) */
    bool progress_tty;   /* redraw one line in place instead of printing lines */
    const char *resume;  /* NULL: a fresh run; "auto": the newest valid checkpoint of the run
                            directory if there is one; else a checkpoint's path */
    /* Called when this rank fails after training started, when the other ranks cannot be told
     * any more: the caller prints the error and ends the whole job (MPI_Abort). Does not return. */
    void (*fatal)(const NashError *err);
} TrainOptions;

/* Seconds per step spent by each role, averaged over the ranks of the role: computing,
 * waiting for the other group's fakes or gradients, in allreduce, waiting for data. */
typedef struct {
    double g_compute, g_exchange, g_allreduce;
    double d_compute, d_exchange, d_allreduce, d_data;
} TimeSplit;

#endif
