/* launcher.h — what the launcher (mpirun, srun) told this process before MPI_Init: its rank and
 * the number of ranks, from the environment Open MPI, PMIx, PMI and SLURM set. For the lines cli/
 * prints before MPI exists: the BLAS notice (rank 0 only) and warnings (with the rank named). */
#ifndef NASH_CLI_LAUNCHER_H
#define NASH_CLI_LAUNCHER_H

#include <stdbool.h>

/* This process's rank, 0 when not started by a launcher. */
int launcher_rank(void);
/* The number of ranks, 1 when not started by a launcher. */
int launcher_size(void);

/* Does `fd` reach a terminal a person watches? Alone: isatty. Under a launcher, isatty says little:
 * Open MPI gives each rank a pseudo-terminal even when mpirun's own output goes to a file, so
 * this looks at what is on the other end: the same descriptor of the launcher process among this
 * process's ancestors (mpirun, mpiexec, orterun, prterun, srun). No such ancestor (a rank on
 * another node, a SLURM batch step): not a terminal. */
bool launcher_fd_is_terminal(int fd);

#endif
