/* reduce.c — allreduce of gradients and batch-norm statistics (see reduce.h). */
#include "comm/reduce.h"

#include <limits.h>

void reduce_sum_floats(float *x, size_t n, MPI_Comm comm) {
    int size;
    MPI_Comm_size(comm, &size);
    if (size == 1) return;
    /* MPI counts are int: large arenas go in pieces */
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (size_t)INT_MAX ? n - done : (size_t)INT_MAX;
        MPI_Allreduce(MPI_IN_PLACE, x + done, (int)k, MPI_FLOAT, MPI_SUM, comm);
        done += k;
    }
}

void reduce_sum_doubles(double *x, int n, MPI_Comm comm) {
    int size;
    MPI_Comm_size(comm, &size);
    if (size > 1) MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, comm);
}

static void stat_sum(double *values, int count, void *ctx) { reduce_sum_doubles(values, count, *(MPI_Comm *)ctx); }

StatReducer reduce_stat_reducer(MPI_Comm *comm_slot) { return (StatReducer){.sum = stat_sum, .ctx = comm_slot}; }
