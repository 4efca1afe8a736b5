/* cmd_inspect.c — `nash inspect`: describe a checkpoint (or a weights file) and verify that it is
 * whole: every dataset's CRC-32 and /state's (store/checkpoint.h, docs/checkpoint.md). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "core/fsutil.h"
#include "core/seal.h"
#include "store/checkpoint.h"

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "nash inspect: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "; see nash inspect --help\n");
    return NASH_EXIT_USAGE;
}

static void print_dims(const CkptTensorInfo *t) {
    char buf[128];
    size_t used = 0;
    used += (size_t)snprintf(buf, sizeof buf, "(");
    for (int i = 0; i < t->ndim && used < sizeof buf; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%lld", i ? "," : "", (long long)t->dim[i]);
    if (used < sizeof buf) snprintf(buf + used, sizeof buf - used, ")");
    printf("    %-28s %-20s %12lld%s\n", t->name, buf, (long long)t->numel, t->buffer ? "  (buffer)" : "");
}

/* "dense 128 | relu | dense 2" from the '\n'-separated layer lines. */
static void print_layers(const char *layers) {
    printf("  layers: ");
    for (const char *p = layers; *p; p++) {
        if (*p != '\n')
            putchar(*p);
        else if (p[1])
            printf(" | ");
    }
    putchar('\n');
}

static void print_group(const CkptGroupInfo *g, bool checkpoint) {
    printf("/%s: %d tensors, %lld parameters", g->name, g->n_tensors, (long long)g->param_count);
    if (g->buffer_count) printf(" + %lld buffer values", (long long)g->buffer_count);
    putchar('\n');
    if (g->layers) print_layers(g->layers);
    for (int t = 0; t < g->n_tensors; t++) print_dims(&g->tensors[t]);
    if (g->has_optim) {
        printf("  optimizer: %s, %lld steps, moments:", g->opt_kind, (long long)g->opt_steps);
        if (g->m_floats < 0 && g->v_floats < 0) printf(" none");
        if (g->m_floats >= 0) printf(" m (%lld floats)", (long long)g->m_floats);
        if (g->v_floats >= 0) printf(" v (%lld floats)", (long long)g->v_floats);
        putchar('\n');
    } else if (checkpoint) {
        printf("  optimizer: none\n");
    }
}

/* A directory (a run's ckpt/, or the run directory): list the checkpoints in it, oldest first. */
static int list_directory(const char *path) {
    char dir[NASH_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    NashError err = {0};
    char sub[NASH_PATH_MAX];
    struct stat sb;
    if (fs_join(path, "ckpt", sub, sizeof sub, &err) == NASH_OK && stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(dir, sizeof dir, "%s", sub);
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    int found = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t len = strlen(name);
        if (len > 3 && !strcmp(name + len - 3, ".h5") && name[0] != '.') {
            if (!found++) printf("%s is a directory; the files in %s:\n", path, dir);
            printf("  %s/%s\n", dir, name);
        }
        free(names[i]);
    }
    free(names);
    if (!found) {
        fprintf(stderr, "nash inspect: %s is a directory with no checkpoint in it; give a checkpoint or weights file\n",
                path);
        return NASH_EXIT_USAGE;
    }
    printf("inspect one of them: nash inspect FILE\n");
    return NASH_EXIT_OK;
}

static int inspect_run(int argc, char **argv) {
    const char *path = NULL;
    bool show_config = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--no-config"))
            show_config = false;
        else if (argv[i][0] == '-' && argv[i][1])
            return usage_error("unknown option '%s'", argv[i]);
        else if (path)
            return usage_error("one file only (got a second: '%s')", argv[i]);
        else
            path = argv[i];
    }
    if (!path) return usage_error("%s", "no checkpoint given");
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) return list_directory(path);
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "nash inspect: %s: no such file\n", path);
        return NASH_EXIT_USAGE;
    }

    CkptInfo info;
    NashError err = {0};
    if (ckpt_describe(path, &info, &err)) {
        fprintf(stderr, "nash inspect: %s\n", err.msg);
        return NASH_EXIT_RUNTIME;
    }
    bool checkpoint = !strcmp(info.format, CKPT_FORMAT);
    printf("file: %s\n", path);
    printf("format: %s, version %d\n", info.format, info.version);
    if (info.has_state)
        printf("state: step %lld, data_batch %lld, seed %llu, layout %s, world size %d\n", (long long)info.state.step,
               (long long)info.state.data_batch, (unsigned long long)info.state.seed, info.state.layout,
               info.state.world_size);
    else if (checkpoint)
        printf("state: missing or unreadable\n");
    for (int i = 0; i < info.n_groups; i++) print_group(&info.groups[i], checkpoint);
    if (!checkpoint) printf("optimizer state: none (a weights file, not a checkpoint: it cannot resume training)\n");
    if (show_config) {
        printf("config:\n");
        if (info.config) {
            fputs(info.config, stdout);
            if (*info.config && info.config[strlen(info.config) - 1] != '\n') putchar('\n');
        } else {
            printf("  (none)\n");
        }
    }
    ckpt_info_free(&info);
    /* ckpt_describe opened the file through the seal check (core/seal.h): a sealed file that got
     * this far holds every byte as nash wrote it. */
    bool sealed = false;
    if (seal_verify(path, &sealed, &err)) {
        printf("seal: FAILED\n");
        fprintf(stderr, "nash inspect: %s\n", err.msg);
        return NASH_EXIT_RUNTIME;
    }
    printf(sealed ? "seal: holds (every byte as nash wrote it)\n"
                  : "seal: none (not written by nash, or by a nash before 0.2: its bytes cannot be verified)\n");
    if (!checkpoint) return NASH_EXIT_OK;
    int n_checked = 0;
    if (ckpt_verify_count(path, NULL, &n_checked, &err)) {
        printf("checksums: FAILED\n");
        fprintf(stderr, "nash inspect: %s\n", err.msg);
        return NASH_EXIT_RUNTIME;
    }
    printf("checksums: all %d hold\n", n_checked);
    return NASH_EXIT_OK;
}

const NashCommand cmd_inspect = {
    .name = "inspect",
    .summary = "what a checkpoint holds, and whether it is whole",
    .usage = "usage: nash inspect CKPT.h5 [--no-config]\n"
             "\n"
             "Print what a checkpoint holds (format version, step, data cursor, seed, rank layout,\n"
             "networks with their tensors, shapes and parameter counts, optimizer state, config) and\n"
             "check it: the seal (a CRC-32 of every byte of the file, in its first line) and the\n"
             "checksums (a CRC-32 on every dataset). A plain weights file is described and its seal\n"
             "checked too; it holds no optimizer state.\n"
             "\n"
             "  --no-config    do not print the stored config text\n"
             "\n"
             "Exit codes: 0 whole, 1 corrupt or unreadable (the message names the file or dataset),\n"
             "2 bad usage or no such file (docs/checkpoint.md).\n",
    .run = inspect_run,
};
