/* launcher.h — what the launcher (mpirun, srun) told this process before MPI_Init: its rank and
 * the number of ranks, from the environment Open MPI, PMIx, PMI and SLURM set. For the lines cli/
 * prints before MPI exists: the BLAS notice (rank 0 only) and warnings (with the rank named). */
#ifndef NASH_CLI_LAUNCHER_H
#define NASH_CLI_LAUNCHER_H

/* This process's rank, 0 when not started by a launcher. */
int launcher_rank(void);
/* The number of ranks, 1 when not started by a launcher. */
int launcher_size(void);

#endif
