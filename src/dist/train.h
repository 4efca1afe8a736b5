/* train.h — `nash train` on one or many ranks: the training loop over a Layout.
 *
 * A lone process is a colocated world of one: the same code runs it. This header does not
 * expose MPI, so cli/ can drive a run without including mpi.h.
 */
#ifndef NASH_DIST_TRAIN_H
#define NASH_DIST_TRAIN_H

#include "core/status.h"
#include "gan/run.h"
#include "io/config.h"

/* Start MPI (MPI_Init; a singleton without mpirun). */
void dist_init(int *argc, char ***argv);
void dist_finalize(void);
int dist_rank(void);
int dist_size(void);
/* End the whole job from one rank (MPI_Abort with `code`). */
_Noreturn void dist_abort(int code);

/* Every rank passes its own status; all get the worst one, and *first_failed the lowest rank
 * that failed (-1 when none did). */
NashStatus dist_agree(NashStatus local, int *first_failed);

/* Train as the config says. Everything that can be refused (layout, data, networks, run
 * directory) is agreed on by all ranks before step 1, so every rank returns the same verdict and
 * *first_failed names the lowest rank that refused (the one whose message to print); after that
 * a failure on one rank calls opt->fatal. Rank 0 writes the run's outputs. */
NashStatus dist_train(const Config *cfg, const TrainOptions *opt, int *first_failed, NashError *err);

#endif
