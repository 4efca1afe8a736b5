/* cmd_info.c — `nash info`: what a bug report needs to know about this nash and this machine.
 *
 * The version and commit, the CPU with the features that decide the BLAS kernel, OpenBLAS with its
 * kernel (and who chose it: core/blas.h, cli/blas_select.h) and threads, oneDNN with the widest
 * kernels it found and the convolution path (nn/conv_onednn.h), and the versions of Open MPI, HDF5,
 * ZeroMQ, libpng, inih, libmicrohttpd and cJSON. Each library's version comes from the module that
 * links it, so the include rules hold (only comm/ sees mpi.h, and so on).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/blas_select.h"
#include "cli/commands.h"
#include "comm/comm.h"
#include "config/config.h"
#include "core/blas.h"
#include "core/cpu.h"
#include "draw/jpeg.h"
#include "draw/png.h"
#include "metrics/json.h"
#include "monitor/web.h"
#include "nash_commit.h"
#include "nn/conv_onednn.h"
#include "publish/publish.h"
#include "store/h5util.h"

#ifndef NASH_BUILD_TYPE
#define NASH_BUILD_TYPE "unknown"
#endif

static int info_run(int argc, char **argv) {
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "nash info: takes no arguments; see nash info --help\n");
        return NASH_EXIT_USAGE;
    }
    CpuInfo cpu;
    cpu_probe(&cpu);
    char features[512], story[256], buf[512];
    const char *threads_env = getenv("OPENBLAS_NUM_THREADS");
    BlasTier core_tier = blas_core_tier(blas_core_name()), cpu_tier = blas_cpu_tier(&cpu);

    printf("nash        %s (commit %s, %s build, %s)\n", NASH_VERSION, NASH_COMMIT, NASH_BUILD_TYPE,
#if defined(__clang__)
           "clang " __clang_version__
#elif defined(__GNUC__)
           "GCC " __VERSION__
#else
           "unknown compiler"
#endif
    );
    printf("cpu         %s (%s family %d model %d), %ld online\n", cpu.model_name[0] ? cpu.model_name : "unknown",
           cpu.vendor[0] ? cpu.vendor : "unknown vendor", cpu.family, cpu.model, sysconf(_SC_NPROCESSORS_ONLN));
    printf("features    %s\n", cpu_features_text(&cpu, features, sizeof features)[0] ? features : "(none nash uses)");
    printf("blas        %s\n", blas_config());
    printf("kernel      %s (%s; this CPU allows %s): %s\n", blas_core_name(), blas_tier_name(core_tier),
           blas_tier_name(cpu_tier), blas_select_story(story, sizeof story));
    if (threads_env && *threads_env)
        printf("threads     %d (OPENBLAS_NUM_THREADS=%s)\n", blas_threads(), threads_env);
    else
        printf("threads     %d (nash's default, one per process; OPENBLAS_NUM_THREADS=N for more)\n", blas_threads());
    printf("convolution %s\n", conv_onednn_describe(buf, sizeof buf));
    printf("mpi         %s\n", comm_mpi_version(buf, sizeof buf));
    printf("hdf5        %s\n", h5util_version(buf, sizeof buf));
    printf("zeromq      %s\n", metrics_zmq_version(buf, sizeof buf));
    printf("libpng      %s\n", png_library_version());
    printf("libjpeg     %s\n", jpeg_library_version(buf, (int)sizeof buf));
    printf("inih        %s (at build time)\n", config_inih_version());
    printf("microhttpd  %s\n", web_mhd_version());
    printf("cjson       %s\n", metrics_cjson_version());
    return NASH_EXIT_OK;
}

const NashCommand cmd_info = {
    .name = "info",
    .summary = "this nash, its libraries and the CPU's BLAS kernel (paste it into a bug report)",
    .usage = "usage: nash info\n"
             "\n"
             "Print the nash version and commit, the CPU model and the features that decide the BLAS\n"
             "kernel, OpenBLAS with the kernel it runs, who chose it and its thread count, and the\n"
             "versions of Open MPI, HDF5 (parallel or not), ZeroMQ, libpng, inih, libmicrohttpd and\n"
             "cJSON. nash moves OpenBLAS to the best kernel this CPU allows when OpenBLAS fell back\n"
             "below it, unless OPENBLAS_CORETYPE is set (docs/building.md, \"The BLAS kernel\").\n"
             "A bug report should include this output (docs/bug-reports.md).\n",
    .run = info_run,
    .blas = BLAS_SELECT_QUIET,
};
