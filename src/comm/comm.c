/* comm.c — the MPI job and the trainer's collectives outside the layout (see comm.h). */
#include "comm/comm.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ranks that train: the world, or the world without its evaluation ranks. */
static MPI_Comm training = MPI_COMM_NULL;
static int eval_world_rank = -1;

MPI_Comm comm_training(void) { return training != MPI_COMM_NULL ? training : MPI_COMM_WORLD; }

bool comm_reserve_eval_ranks(int n) {
    if (training != MPI_COMM_NULL || n <= 0) return eval_world_rank >= 0 && comm_world_rank() >= eval_world_rank;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    eval_world_rank = size - n;
    bool evaluates = rank >= eval_world_rank;
    MPI_Comm_split(MPI_COMM_WORLD, evaluates ? 1 : 0, rank, &training);
    return evaluates;
}

int comm_eval_rank(void) { return eval_world_rank; }

int comm_world_rank(void) {
    int r;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int comm_world_size(void) {
    int n;
    MPI_Comm_size(MPI_COMM_WORLD, &n);
    return n;
}

void comm_world_isend(const void *bytes, size_t size, int to, CommTag tag, MPI_Request *request) {
    MPI_Isend(bytes, (int)size, MPI_BYTE, to, (int)tag, MPI_COMM_WORLD, request);
}

void comm_world_irecv(void *bytes, size_t size, int from, CommTag tag, MPI_Request *request) {
    MPI_Irecv(bytes, (int)size, MPI_BYTE, from, (int)tag, MPI_COMM_WORLD, request);
}

void comm_world_send(const void *bytes, size_t size, int to, CommTag tag) {
    MPI_Send(bytes, (int)size, MPI_BYTE, to, (int)tag, MPI_COMM_WORLD);
}

void comm_world_recv(void *bytes, size_t size, int from, CommTag tag) {
    MPI_Recv(bytes, (int)size, MPI_BYTE, from, (int)tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

bool comm_test(MPI_Request *request) {
    int done = 0;
    MPI_Test(request, &done, MPI_STATUS_IGNORE);
    return done != 0;
}

void comm_init(int *argc, char ***argv) {
    int ready;
    MPI_Initialized(&ready);
    if (!ready) MPI_Init(argc, argv);
}

void comm_finalize(void) {
    if (training != MPI_COMM_NULL) MPI_Comm_free(&training);
    int done;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
}

int comm_rank(void) {
    int r;
    MPI_Comm_rank(comm_training(), &r);
    return r;
}

int comm_size(void) {
    int n;
    MPI_Comm_size(comm_training(), &n);
    return n;
}

_Noreturn void comm_abort(int code) {
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* MPI_Abort does not return; this keeps the compiler sure of it */
}

const char *comm_mpi_version(char *buf, size_t size) {
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(version, &len) != MPI_SUCCESS) len = 0;
    version[len < MPI_MAX_LIBRARY_VERSION_STRING ? len : MPI_MAX_LIBRARY_VERSION_STRING - 1] = '\0';
    version[strcspn(version, "\n")] = '\0';
    snprintf(buf, size, "%s", len ? version : "unknown");
    return buf;
}

NashStatus comm_agree(NashStatus local, int *first_failed) {
    int mine[2] = {(int)local, local ? comm_rank() : comm_size()}, all[2];
    int worst;
    MPI_Allreduce(&mine[0], &worst, 1, MPI_INT, MPI_MAX, comm_training());
    MPI_Allreduce(&mine[1], &all[1], 1, MPI_INT, MPI_MIN, comm_training());
    *first_failed = all[1] < comm_size() ? all[1] : -1;
    return (NashStatus)worst;
}

void comm_barrier(void) {
    if (comm_size() > 1) MPI_Barrier(comm_training());
}

void comm_max_ints(int *values, int n) {
    if (comm_size() > 1) MPI_Allreduce(MPI_IN_PLACE, values, n, MPI_INT, MPI_MAX, comm_training());
}

MPI_Request comm_max_ints_start(int *values, int n) {
    MPI_Request request = MPI_REQUEST_NULL;
    if (comm_size() > 1) MPI_Iallreduce(MPI_IN_PLACE, values, n, MPI_INT, MPI_MAX, comm_training(), &request);
    return request;
}

void comm_wait(MPI_Request *request) { MPI_Wait(request, MPI_STATUS_IGNORE); }

int comm_host_count(void) {
    /* one shared-memory domain per machine: count the ranks that lead one */
    MPI_Comm node;
    int local = 0, hosts = 1;
    if (MPI_Comm_split_type(comm_training(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_rank(node, &local);
        MPI_Comm_free(&node);
    }
    int leader = local == 0;
    MPI_Allreduce(&leader, &hosts, 1, MPI_INT, MPI_SUM, comm_training());
    return hosts;
}

double comm_wtime(void) { return MPI_Wtime(); }

void comm_bcast_bytes(void *bytes, size_t size) {
    /* MPI counts are int: anything larger goes in pieces */
    for (size_t done = 0; done < size;) {
        size_t k = size - done < (size_t)INT_MAX ? size - done : (size_t)INT_MAX;
        MPI_Bcast((char *)bytes + done, (int)k, MPI_BYTE, 0, comm_training());
        done += k;
    }
}

void comm_sum_to_root(double *values, int n) {
    MPI_Reduce(comm_rank() == 0 ? MPI_IN_PLACE : values, values, n, MPI_DOUBLE, MPI_SUM, 0, comm_training());
}

void comm_gather_to_root(const double *mine, int n, double *all) {
    MPI_Gather(mine, n, MPI_DOUBLE, all, n, MPI_DOUBLE, 0, comm_training());
}

void comm_send_floats(const float *x, size_t n, int to, CommTag tag) {
    MPI_Send(x, (int)n, MPI_FLOAT, to, (int)tag, comm_training());
}

void comm_recv_floats(float *x, size_t n, int from, CommTag tag) {
    MPI_Recv(x, (int)n, MPI_FLOAT, from, (int)tag, comm_training(), MPI_STATUS_IGNORE);
}

void comm_shift_floats(float *x, size_t n, int to, int from, CommTag tag) {
    for (size_t done = 0; done < n;) {
        size_t k = n - done < (size_t)INT_MAX ? n - done : (size_t)INT_MAX;
        MPI_Sendrecv_replace(x + done, (int)k, MPI_FLOAT, to, (int)tag, from, (int)tag, comm_training(),
                             MPI_STATUS_IGNORE);
        done += k;
    }
}

void comm_send_int64(const int64_t *x, int to, CommTag tag) {
    MPI_Send(x, 1, MPI_INT64_T, to, (int)tag, comm_training());
}

void comm_recv_int64(int64_t *x, int from, CommTag tag) {
    MPI_Recv(x, 1, MPI_INT64_T, from, (int)tag, comm_training(), MPI_STATUS_IGNORE);
}
