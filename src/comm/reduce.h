/* reduce.h — sums across the ranks that hold a player: gradients (one allreduce over the flat
 * gradient arena) and batch-norm statistics (synchronised batch norm, nn/batchnorm.h). */
#ifndef NASH_COMM_REDUCE_H
#define NASH_COMM_REDUCE_H

#include <mpi.h>
#include <stddef.h>

#include "nn/batchnorm.h"

/* Sum n floats in place over comm (nothing to do on a communicator of one). */
void reduce_sum_floats(float *x, size_t n, MPI_Comm comm);
/* Sum n doubles in place over comm. */
void reduce_sum_doubles(double *x, int n, MPI_Comm comm);

/* A StatReducer summing batch-norm statistics over comm; `comm_slot` must outlive it. */
StatReducer reduce_stat_reducer(MPI_Comm *comm_slot);

#endif
