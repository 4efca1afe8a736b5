/* train.h — `nash train` on one or many ranks: the training loop over a Layout (comm/layout.h).
 *
 * A lone process is a colocated world of one: the same code runs it. This header does not
 * expose MPI, so cli/ can drive a run without including mpi.h; starting and ending the MPI job
 * is comm/comm.h.
 */
#ifndef NASH_TRAIN_TRAIN_H
#define NASH_TRAIN_TRAIN_H

#include "config/config.h"
#include "core/status.h"
#include "train/options.h"

/* Train as the config says. Everything that can be refused (layout, data, networks, run
 * directory) is agreed on by all ranks before step 1, so every rank returns the same verdict and
 * *first_failed names the lowest rank that refused (the one whose message to print); after that
 * a failure on one rank calls opt->fatal. Rank 0 writes the run's outputs. */
NashStatus train_run(const Config *cfg, const TrainOptions *opt, int *first_failed, NashError *err);

#endif
