/* blas_select.h — run nash on the best OpenBLAS kernel this CPU allows (core/blas.h decides).
 *
 * OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads, so the only honest way to change
 * its kernel is to run the program again with the variable set: blas_select_kernel re-executes
 * /proc/self/exe with the same arguments, before anything else has happened (no file opened, no
 * MPI_Init), on every MPI rank alike. It never overrides a user's OPENBLAS_CORETYPE. Three
 * variables carry the story across the exec:
 *   NASH_BLAS_CHOSE   the OPENBLAS_CORETYPE value nash set (so it is not taken for the user's)
 *   NASH_BLAS_TRIED   every kernel nash asked for, comma-separated (bounds the re-executions)
 *   NASH_BLAS_FROM    the core OpenBLAS picked by itself at first
 * NASH_TEST_BLAS_CORENAME, for tests only, makes the first process act as if OpenBLAS had picked
 * that core (a CPU that OpenBLAS does not know cannot be had on demand).
 */
#ifndef NASH_CLI_BLAS_SELECT_H
#define NASH_CLI_BLAS_SELECT_H

#include <stdbool.h>

#include "core/blas.h"

/* Decide, and re-execute when a better kernel exists (returns only when it does not, or when the
 * exec failed: then a warning says so). With `announce`, the final process prints one line on
 * stderr when nash changed the kernel or could not reach the CPU's level — on MPI rank 0 only. */
void blas_select_kernel(char **argv, bool announce);

/* One OpenBLAS thread per process unless OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS
 * says otherwise: nash's parallelism is ranks (mpirun -n), and OpenBLAS's threads, by default one
 * per core, fight every other process for the cores. On 2 cores with one of them busy, ring8 took
 * 18.1 s with 2 threads (12.9 s of it system time) against 5.2 s with 1; idle, 2 threads gained
 * 1.3x (docs/building.md, "Threads"). True when nash chose. */
bool blas_default_threads(void);
/* What happened, for `nash info`: "OpenBLAS's own choice", "chosen by nash: OpenBLAS picked
 * Prescott", "OPENBLAS_CORETYPE=Haswell, the user's choice", ... into buf; returns buf. */
const char *blas_select_story(char *buf, unsigned size);

#endif
