/* comm.h — the MPI job: start and end it, who this rank is, agreeing on a verdict, the clock,
 * and the few collectives the trainer needs outside the layout's communicators.
 *
 * Only comm/ includes mpi.h. train/ drives the run through these calls and the communicators
 * in Layout (layout.h), so a reader of train/ sees every message a step sends here or in
 * exchange.h and reduce.h. A lone process is a world of one (MPI_Init as a singleton), and every
 * call here is then cheap and correct.
 */
#ifndef NASH_COMM_COMM_H
#define NASH_COMM_COMM_H

#include <mpi.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/status.h"

/* Every message tag of a run, in one place. Tags only tell apart messages between the same two
 * ranks on the same communicator; the fakes of D step k use COMM_TAG_FAKES + k (k < n_critic,
 * at most 100: config/config_schema.c), the G step's fakes COMM_TAG_FAKES_G. */
typedef enum {
    COMM_TAG_INTERCOMM = 77, /* MPI_Intercomm_create between the generator and discriminator groups */
    COMM_TAG_FAKES = 100,    /* + k: the fakes of D step k, G -> D */
    COMM_TAG_FAKES_G = 199,  /* the fakes of the G step, G -> D */
    COMM_TAG_LABELS = 200,   /* + (the fakes' tag - COMM_TAG_FAKES): their classes (conditional GANs) */
    COMM_TAG_GRADS = 400,    /* the input gradients of the fakes, D -> G */
    COMM_TAG_D_PARAMS = 900, /* the first D rank's state to rank 0 (checkpoints, weights.h5) */
    COMM_TAG_D_BUFFERS = 901,
    COMM_TAG_D_MOMENT_M = 902,
    COMM_TAG_D_MOMENT_V = 903,
    COMM_TAG_D_STEPS = 904,
    COMM_TAG_D_SWAP = 905,       /* a discriminator group's D to the next group (discriminator_groups) */
    COMM_TAG_EVAL_ORDER = 950,   /* rank 0 -> the evaluation rank: a step to score, or stop */
    COMM_TAG_EVAL_WEIGHTS = 951, /* ... G's parameters and buffers at that step */
    COMM_TAG_EVAL_REPLY = 952,   /* the evaluation rank -> rank 0: its set-up status, then each step's scores */
} CommTag;
_Static_assert(COMM_TAG_FAKES + 100 <= COMM_TAG_FAKES_G + 1, "the D steps' fake tags run into the G step's");
_Static_assert(COMM_TAG_LABELS + 100 <= COMM_TAG_GRADS, "the fakes' label tags run into the gradients'");

/* Start MPI (MPI_Init; a singleton without mpirun) and end it. */
void comm_init(int *argc, char ***argv);
void comm_finalize(void);
/* This rank and the size of the training world: MPI_COMM_WORLD, or it without the evaluation
 * ranks once they are reserved (a training rank's rank is the same in both). Every function
 * below but the comm_world_ ones works among the training ranks. */
int comm_rank(void);
int comm_size(void);
MPI_Comm comm_training(void);

/* Evaluation ranks (cluster.eval_ranks): the world's last n ranks leave the training world and
 * take part in none of its collectives. Every world rank calls this once, before any other
 * collective; it returns true on an evaluation rank. Later calls return the same. */
bool comm_reserve_eval_ranks(int n);
/* The world rank of the first evaluation rank, -1 when none are reserved. */
int comm_eval_rank(void);
int comm_world_rank(void);
int comm_world_size(void);
/* Bytes between a training rank and an evaluation rank (MPI_COMM_WORLD ranks). The buffers of
 * the non-blocking pair must stay put until comm_wait or comm_test says they are done. */
void comm_world_isend(const void *bytes, size_t size, int to, CommTag tag, MPI_Request *request);
void comm_world_irecv(void *bytes, size_t size, int from, CommTag tag, MPI_Request *request);
void comm_world_send(const void *bytes, size_t size, int to, CommTag tag);
void comm_world_recv(void *bytes, size_t size, int from, CommTag tag);
/* Has the request completed (then it is freed)? Never waits. */
bool comm_test(MPI_Request *request);
/* End the whole job from one rank (MPI_Abort with `code`). */
_Noreturn void comm_abort(int code);
/* The MPI library's own version line ("Open MPI v4.1.4, package: Debian OpenMPI, ..."); callable
 * before MPI_Init. Returns buf. */
const char *comm_mpi_version(char *buf, size_t size);

/* Every rank passes its own status; all get the worst one, and *first_failed the lowest rank
 * that failed (-1 when none did). */
NashStatus comm_agree(NashStatus local, int *first_failed);
/* Every rank waits for all the others. */
void comm_barrier(void);
/* The largest of each of n ints over all ranks, in place. */
void comm_max_ints(int *values, int n);
/* The same without waiting: started here, the values (which must stay put) are the maxima once
 * comm_wait returns. Every rank starts and waits in the same order. */
MPI_Request comm_max_ints_start(int *values, int n);
void comm_wait(MPI_Request *request);

/* How many machines the ranks run on (shared-memory domains, MPI_COMM_TYPE_SHARED); every rank
 * calls and gets the count. */
int comm_host_count(void);

/* Seconds on a monotonic clock (MPI_Wtime). */
double comm_wtime(void);

/* Rank 0's bytes to every rank. */
void comm_bcast_bytes(void *bytes, size_t size);
/* The sum over all ranks of n doubles, on rank 0 (in place there; unchanged elsewhere). */
void comm_sum_to_root(double *values, int n);
/* Every rank's n doubles, gathered on rank 0 into all (size * n; NULL elsewhere is fine). */
void comm_gather_to_root(const double *mine, int n, double *all);
/* Point to point among the training ranks. */
void comm_send_floats(const float *x, size_t n, int to, CommTag tag);
void comm_recv_floats(float *x, size_t n, int from, CommTag tag);
/* Send n floats to `to` and replace them with n floats from `from`, in place (one MPI_Sendrecv_replace,
 * in pieces of at most INT_MAX floats). */
void comm_shift_floats(float *x, size_t n, int to, int from, CommTag tag);
void comm_send_int64(const int64_t *x, int to, CommTag tag);
void comm_recv_int64(int64_t *x, int from, CommTag tag);

#endif
