/* io_at_exit.c — an LD_PRELOAD library for bench_comm.sh: when the process exits, it copies
 * /proc/self/io (the bytes it passed to read and write system calls, sockets included) to
 * $NASH_IO_DIR/io.$OMPI_COMM_WORLD_RANK. With Open MPI's TCP transport only
 * (OMPI_MCA_btl=self,tcp) every MPI byte a rank sends goes through write/writev/sendmsg, so
 * wchar, differenced between two run lengths, is the bytes sent per step (plus the transport's
 * small headers). Used where Open MPI 4.1.4's monitoring component crashes (intercommunicators
 * between groups of more than one rank).
 *
 *     LD_PRELOAD=build/tests/bench/libio_at_exit.so NASH_IO_DIR=DIR mpirun ... nash train ...
 */
#include <stdio.h>
#include <stdlib.h>

void io_at_exit_dump(void) __attribute__((destructor));

void io_at_exit_dump(void) {
    const char *dir = getenv("NASH_IO_DIR"), *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!dir || !rank) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/io.%s", dir, rank);
    FILE *in = fopen("/proc/self/io", "r"), *out = fopen(path, "w");
    char buf[4096];
    size_t n = in && out ? fread(buf, 1, sizeof buf, in) : 0;
    if (out && n) fwrite(buf, 1, n, out);
    if (in) fclose(in);
    if (out) fclose(out);
}
