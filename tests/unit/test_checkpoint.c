/* test_checkpoint.c — store/checkpoint.c: save a generator (dense + batch norm, Adam), a
 * discriminator (conv, SGD with momentum) and an EMA generator; verify; load into fresh nets with
 * parameters, buffers, moments, steps, kind and state bitwise equal. Corruption (truncated to 0
 * bytes, truncated to half, one payload byte flipped in a dataset) is detected by ckpt_verify,
 * naming the dataset for a flip, and ckpt_find_latest falls back to the previous step. Also:
 * no checkpoint -> "" and NASH_OK, none valid -> an error, prune keeps the newest K, another
 * architecture is refused naming the tensor and both shapes with nothing changed, a non-finite
 * value is never saved, no temporary file is left behind; datasets that declare more than they
 * store, variable-length datasets and huge dimensions are refused or counted without overflow. */
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/seal.h"
#include "reseal.h"
#include "store/checkpoint.h"

static char dir[] = "/tmp/nash_test_ckpt_XXXXXX";

static const char *g_layers = "dense 8\nbatchnorm\nrelu\ndense 2";
static const char *d_layers = "conv2d 2 k=3 p=1\nbatchnorm\nleakyrelu 0.2\nflatten\ndense 1";
static const char *config_text = "[train]\nsteps = 20\nseed = 7\n";

typedef struct {
    Net g, d;
    float *ema, *gm, *gv, *dm;
} Players;

static bool build(Net *net, Shape in, const char *layers) {
    NashError err = {0};
    return check_true(net_init_text(net, in, layers, 4, &err) == NASH_OK, "net builds: %s", err.msg);
}

static float *filled(size_t n, float lo, float hi, unsigned long long seed) {
    float *x = malloc(n * sizeof *x);
    fill_uniform(x, n, lo, hi, seed);
    return x;
}

static void players_init(Players *p, unsigned long long seed) {
    build(&p->g, shape_1d(4), g_layers);
    build(&p->d, shape_3d(1, 4, 4), d_layers);
    fill_uniform(p->g.params, p->g.param_floats, -1, 1, seed);
    fill_uniform(p->g.buffers, p->g.buffer_floats, 0.5f, 2, seed + 1);
    fill_uniform(p->d.params, p->d.param_floats, -1, 1, seed + 2);
    fill_uniform(p->d.buffers, p->d.buffer_floats, 0.5f, 2, seed + 3);
    p->ema = filled(p->g.param_floats, -1, 1, seed + 4);
    p->gm = filled(p->g.param_floats, -1, 1, seed + 5);
    p->gv = filled(p->g.param_floats, 0, 1, seed + 6);
    p->dm = filled(p->d.param_floats, -1, 1, seed + 7);
}

static void players_free(Players *p) {
    net_free(&p->g);
    net_free(&p->d);
    free(p->ema);
    free(p->gm);
    free(p->gv);
    free(p->dm);
}

static CheckpointState state_at(int64_t step) {
    CheckpointState s = {.step = step, .data_batch = 3 * step + 1, .seed = 0xFEEDFACECAFEBEEFull, .world_size = 3};
    snprintf(s.layout, sizeof s.layout, "split 1G+2D");
    return s;
}

static NashStatus save(const char *path, const Players *p, int64_t step, NashError *err) {
    CheckpointState s = state_at(step);
    CheckpointPlayer players[3] = {
        {"generator", &p->g, g_layers, NULL, "adam", p->gm, p->gv, step, NULL},
        {"discriminator", &p->d, d_layers, NULL, "sgd", p->dm, NULL, step + 100, NULL},
        {"generator_ema", &p->g, g_layers, p->ema, NULL, NULL, NULL, 0, NULL},
    };
    return ckpt_save(path, &s, players, 3, config_text, err);
}

static bool same(const float *a, const float *b, size_t n) { return !memcmp(a, b, n * sizeof(float)); }

/* The tensors of net in arrays a and b (in its parameter or buffer layout) bitwise equal; the
 * alignment padding between tensors is not saved. */
static bool same_tensors(const Net *net, bool buffers, const float *a, const float *b) {
    int n = buffers ? net->n_buffers : net->n_params;
    const NetTensor *info = buffers ? net->buffer_info : net->param_info;
    for (int t = 0; t < n; t++)
        if (!same(a + info[t].offset, b + info[t].offset, info[t].numel)) return false;
    return n > 0;
}

static void test_roundtrip(const char *path, const Players *p) {
    NashError err = {0};
    check_true(save(path, p, 20, &err) == NASH_OK, "save: %s", err.msg);
    CheckpointState s;
    int n_checked = 0;
    check_true(ckpt_verify_count(path, &s, &n_checked, &err) == NASH_OK, "a good checkpoint verifies: %s", err.msg);
    CheckpointState want = state_at(20);
    check_true(s.step == want.step && s.data_batch == want.data_batch && s.seed == want.seed &&
                   s.world_size == want.world_size && !strcmp(s.layout, want.layout),
               "state read back: step %lld data_batch %lld layout '%s' world %d", (long long)s.step,
               (long long)s.data_batch, s.layout, s.world_size);
    /* 8 + 8 + 8 tensors, 3 moments, /config, /state */
    check_true(n_checked == 8 + 8 + 8 + 3 + 1 + 1, "every dataset and /state checked (%d)", n_checked);

    Players q;
    players_init(&q, 99);
    int64_t steps = -1;
    char kind[16] = "x";
    check_true(ckpt_load_player(path, "generator", &q.g, q.gm, q.gv, q.g.param_floats, &steps, kind, &err) == NASH_OK,
               "load generator: %s", err.msg);
    check_true(same_tensors(&q.g, false, q.g.params, p->g.params), "generator parameters bitwise equal");
    check_true(same_tensors(&q.g, true, q.g.buffers, p->g.buffers), "generator buffers bitwise equal");
    check_true(same(q.gm, p->gm, p->g.param_floats) && same(q.gv, p->gv, p->g.param_floats),
               "generator moments m, v bitwise equal");
    check_true(steps == 20 && !strcmp(kind, "adam"), "generator optimizer: kind '%s' steps %lld", kind,
               (long long)steps);
    check_true(ckpt_load_player(path, "discriminator", &q.d, q.dm, NULL, q.d.param_floats, &steps, kind, &err) ==
                   NASH_OK,
               "load discriminator: %s", err.msg);
    check_true(same_tensors(&q.d, false, q.d.params, p->d.params) &&
                   same_tensors(&q.d, true, q.d.buffers, p->d.buffers) && same(q.dm, p->dm, p->d.param_floats),
               "discriminator parameters, buffers, moment bitwise equal");
    check_true(steps == 120 && !strcmp(kind, "sgd"), "discriminator optimizer: kind '%s' steps %lld", kind,
               (long long)steps);
    float *v = calloc(q.d.param_floats, sizeof *v);
    check_true(ckpt_load_player(path, "discriminator", &q.d, NULL, v, q.d.param_floats, NULL, NULL, &err) &&
                   strstr(err.msg, "/optim/discriminator/v"),
               "a moment that was not saved is refused: %s", err.msg);
    free(v);
    Net e;
    build(&e, shape_1d(4), g_layers);
    check_true(ckpt_load_player(path, "generator_ema", &e, NULL, NULL, 0, &steps, kind, &err) == NASH_OK,
               "load generator_ema: %s", err.msg);
    check_true(same_tensors(&e, false, e.params, p->ema) && steps == 0 && kind[0] == '\0',
               "EMA parameters bitwise equal, no optimizer");
    check_true(ckpt_load_player(path, "generator_ema", &e, q.gm, NULL, e.param_floats, NULL, NULL, &err) &&
                   strstr(err.msg, "no optimizer state /optim/generator_ema"),
               "moments of a group without an optimizer are refused: %s", err.msg);
    net_free(&e);
    players_free(&q);
}

/* Another architecture: refused naming the tensor and both shapes; net and moments unchanged. */
static void test_mismatch(const char *path) {
    Net g;
    NashError err = {0};
    build(&g, shape_1d(4), "dense 9\nbatchnorm\nrelu\ndense 2");
    fill_uniform(g.params, g.param_floats, -1, 1, 5);
    float *before = malloc(g.param_floats * sizeof *before), *m = filled(g.param_floats, 0, 1, 6);
    float *m_before = malloc(g.param_floats * sizeof *m_before);
    memcpy(before, g.params, g.param_floats * sizeof *before);
    memcpy(m_before, m, g.param_floats * sizeof *m);
    NashStatus st = ckpt_load_player(path, "generator", &g, m, NULL, g.param_floats, NULL, NULL, &err);
    check_true(st != NASH_OK && strstr(err.msg, "/generator/0.weight") && strstr(err.msg, "(8,4)") &&
                   strstr(err.msg, "(9,4)"),
               "another architecture refused naming tensor and shapes: %s", err.msg);
    check_true(same(before, g.params, g.param_floats) && same(m_before, m, g.param_floats),
               "the refused load changed nothing");
    free(before);
    free(m);
    free(m_before);
    net_free(&g);
}

static unsigned char *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(*n ? *n : 1);
    if (fread(b, 1, *n, f) != *n) *n = 0;
    fclose(f);
    return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n) {
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

/* The file offset of a contiguous dataset's data. */
static haddr_t data_offset(const char *path, const char *name) {
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
    haddr_t off = H5Dget_offset(set);
    H5Dclose(set);
    H5Fclose(file);
    return off;
}

/* After damaging the newest, find_latest must pick step 10 and list step 20 as skipped. */
static void expect_fallback(const char *run, const char *newest, const char *what, const char *must_name) {
    NashError err = {0};
    CheckpointState s;
    NashStatus st = ckpt_verify(newest, &s, &err);
    check_true(st != NASH_OK, "%s: detected by ckpt_verify: %s", what, err.msg);
    if (must_name) check_true(strstr(err.msg, must_name) != NULL, "%s: message names %s", what, must_name);
    printf("  %s -> %s\n", what, err.msg);
    char out[512], skipped[2048], want[512];
    ckpt_path(run, 10, want, sizeof want, &err);
    st = ckpt_find_latest(run, out, sizeof out, &s, skipped, sizeof skipped, &err);
    check_true(st == NASH_OK && !strcmp(out, want) && s.step == 10, "%s: find_latest falls back to %s (got '%s')", what,
               want, out);
    check_true(strstr(skipped, "step_00000020.h5") != NULL, "%s: the skipped list names step 20: %s", what, skipped);
}

static void test_corruption(const char *run, const Players *p) {
    NashError err = {0};
    char p10[512], p20[512], out[512];
    ckpt_path(run, 10, p10, sizeof p10, &err);
    ckpt_path(run, 20, p20, sizeof p20, &err);
    check_true(save(p10, p, 10, &err) == NASH_OK, "save step 10: %s", err.msg);
    check_true(save(p20, p, 20, &err) == NASH_OK, "save step 20: %s", err.msg);
    CheckpointState s;
    check_true(ckpt_find_latest(run, out, sizeof out, &s, NULL, 0, &err) == NASH_OK && !strcmp(out, p20) &&
                   s.step == 20,
               "find_latest picks the newest: %s", out);
    size_t n = 0;
    unsigned char *good = read_all(p20, &n);
    if (!check_true(good && n > 0, "read %s back", p20)) return;

    check_true(truncate(p20, 0) == 0, "truncate to 0");
    expect_fallback(run, p20, "truncated to 0 bytes", "empty");
    write_all(p20, good, n);
    check_true(truncate(p20, (off_t)(n / 2)) == 0, "truncate to half");
    expect_fallback(run, p20, "truncated to half", NULL);

    /* One flipped byte anywhere breaks the seal: in a tensor, in the seal line, in HDF5's
     * superblock, in the last byte. Sealed again over the flip (as only an editor of the file
     * would), the per-dataset CRC still names the tensor. */
    const char *targets[] = {"/generator/0.weight", "/discriminator/0.weight", "/optim/generator/v",
                             "/generator/1.running_var"};
    for (int i = 0; i < 4; i++) {
        write_all(p20, good, n);
        haddr_t off = data_offset(p20, targets[i]);
        if (!check_true(off != HADDR_UNDEF && off < n, "%s has a data offset", targets[i])) continue;
        unsigned char *bad = malloc(n);
        memcpy(bad, good, n);
        bad[off + 5] ^= 0x10;
        write_all(p20, bad, n);
        free(bad);
        char what[128];
        snprintf(what, sizeof what, "one byte flipped in %s", targets[i]);
        expect_fallback(run, p20, what, "is corrupt: its bytes have CRC-32");
        check_true(test_reseal(p20), "seal %s again over the flip", p20);
        snprintf(what, sizeof what, "one byte flipped in %s, sealed again", targets[i]);
        expect_fallback(run, p20, what, targets[i]);
    }
    const struct {
        size_t at;
        const char *what, *message;
    } raw[] = {{20, "a digit of the seal's CRC", "is corrupt"},
               {3, "the seal's magic", "its seal (the first line of the file) is damaged or gone"},
               {SEAL_BLOCK + 9, "HDF5's superblock", "is corrupt: its bytes have CRC-32"},
               {n - 1, "the last byte", "is corrupt: its bytes have CRC-32"}};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        unsigned char *bad = malloc(n);
        memcpy(bad, good, n);
        bad[raw[i].at] ^= 0x01;
        write_all(p20, bad, n);
        free(bad);
        char what[128];
        snprintf(what, sizeof what, "one byte flipped in %s", raw[i].what);
        expect_fallback(run, p20, what, raw[i].message);
    }
    write_all(p20, good, n);
    check_true(ckpt_verify(p20, NULL, &err) == NASH_OK, "the restored file verifies again: %s", err.msg);

    /* none valid: an error naming the newest's problem */
    check_true(truncate(p20, 0) == 0 && truncate(p10, 100) == 0, "truncate both");
    NashStatus st = ckpt_find_latest(run, out, sizeof out, &s, NULL, 0, &err);
    check_true(st != NASH_OK && out[0] == '\0' && strstr(err.msg, "none of its 2"), "none valid -> error: %s", err.msg);
    free(good);
}

static int count_files(const char *path, const char *needle) {
    int count = 0;
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, needle)) count++;
    closedir(d);
    return count;
}

static void test_find_none_and_prune(const Players *p) {
    NashError err = {0};
    char run[512], out[512], path[512], ckdir[600];
    snprintf(run, sizeof run, "%s/fresh", dir);
    CheckpointState s;
    out[0] = 'x';
    check_true(ckpt_find_latest(run, out, sizeof out, &s, NULL, 0, &err) == NASH_OK && out[0] == '\0',
               "no ckpt directory: a fresh start (%s)", err.msg);
    snprintf(ckdir, sizeof ckdir, "%s/ckpt", run);
    mkdir(run, 0755);
    mkdir(ckdir, 0755);
    out[0] = 'x';
    check_true(ckpt_find_latest(run, out, sizeof out, &s, NULL, 0, &err) == NASH_OK && out[0] == '\0',
               "an empty ckpt directory: a fresh start (%s)", err.msg);

    snprintf(run, sizeof run, "%s/prune", dir);
    for (int step = 1; step <= 5; step++) {
        ckpt_path(run, step * 10, path, sizeof path, &err);
        check_true(save(path, p, step * 10, &err) == NASH_OK, "save step %d: %s", step * 10, err.msg);
    }
    snprintf(ckdir, sizeof ckdir, "%s/ckpt", run);
    check_true(count_files(ckdir, ".tmp.") == 0, "no temporary file left after good saves");
    char other[700];
    snprintf(other, sizeof other, "%s/notes.txt", ckdir);
    write_all(other, (const unsigned char *)"x", 1);
    snprintf(other, sizeof other, "%s/.step_00000060.h5.tmp.abcdef", ckdir);
    write_all(other, (const unsigned char *)"x", 1);
    check_true(ckpt_find_latest(run, out, sizeof out, &s, NULL, 0, &err) == NASH_OK && s.step == 50,
               "hidden temporary files and other names are ignored (step %lld)", (long long)s.step);
    check_true(ckpt_prune(run, 2, &err) == NASH_OK, "prune: %s", err.msg);
    check_true(count_files(ckdir, "step_") == 3, "prune keeps 2 (+ the temporary file it does not touch)");
    ckpt_path(run, 50, path, sizeof path, &err);
    check_true(access(path, F_OK) == 0, "step 50 kept");
    ckpt_path(run, 40, path, sizeof path, &err);
    check_true(access(path, F_OK) == 0, "step 40 kept");
    ckpt_path(run, 30, path, sizeof path, &err);
    check_true(access(path, F_OK) != 0, "step 30 pruned");
    check_true(count_files(ckdir, "notes.txt") == 1, "other files untouched");
    check_true(ckpt_prune(run, 0, &err) != NASH_OK, "keep 0 refused");
}

static void test_non_finite(Players *p) {
    NashError err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/nan/ckpt/step_00000001.h5", dir);
    float saved = p->gv[3];
    p->gv[3] = NAN;
    check_true(save(path, p, 1, &err) != NASH_OK && strstr(err.msg, "non-finite") && strstr(err.msg, "/generator"),
               "a non-finite moment is refused: %s", err.msg);
    check_true(access(path, F_OK) != 0, "nothing written");
    p->gv[3] = saved;
}

/* Replace /generator/0.weight of the checkpoint at path by a dataset of `type` and dims (with
 * no storage written) carrying a crc32 attribute, as a damaged or hostile file could. */
static void replace_weight(const char *path, hid_t type, int rank, const hsize_t *dims) {
    hid_t file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t space = H5Screate_simple(rank, dims, NULL), one = H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
    check_true(H5Ldelete(file, "generator/0.weight", H5P_DEFAULT) >= 0, "delete /generator/0.weight");
    hid_t set = H5Dcreate2(file, "generator/0.weight", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    uint32_t crc = 0;
    hid_t attr = H5Acreate2(set, "crc32", H5T_STD_U32LE, one, H5P_DEFAULT, H5P_DEFAULT);
    check_true(set >= 0 && attr >= 0 && H5Awrite(attr, H5T_NATIVE_UINT32, &crc) >= 0, "write the hostile dataset");
    H5Aclose(attr);
    H5Dclose(set);
    H5Pclose(dcpl);
    H5Sclose(one);
    H5Sclose(space);
    H5Fclose(file);
}

/* Found by tests/fuzz/fuzz_checkpoint: ckpt_verify allocated whatever size a dataset declared,
 * read variable-length datasets raw (leaking HDF5's allocations), and ckpt_describe overflowed
 * int64 multiplying huge dimensions. */
static void test_hostile_datasets(Players *p) {
    NashError err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/hostile/step_00000001.h5", dir);
    check_true(save(path, p, 1, &err) == NASH_OK, "save: %s", err.msg);
    hsize_t huge = (hsize_t)1 << 40;
    replace_weight(path, H5T_IEEE_F32LE, 1, &huge);
    check_true(ckpt_verify(path, NULL, &err) == NASH_ERR_DATA && strstr(err.msg, "is corrupt"),
               "a dataset edited in: the seal refuses the file: %s", err.msg);
    check_true(test_reseal(path), "seal the hostile file again");
    check_true(ckpt_verify(path, NULL, &err) == NASH_ERR_DATA && strstr(err.msg, "/generator/0.weight declares"),
               "a dataset declaring 2^40 floats it does not store is refused: %s", err.msg);

    check_true(save(path, p, 1, &err) == NASH_OK, "save: %s", err.msg);
    hid_t vlen = H5Tvlen_create(H5T_NATIVE_FLOAT);
    hsize_t four = 4;
    replace_weight(path, vlen, 1, &four);
    H5Tclose(vlen);
    check_true(test_reseal(path), "seal the hostile file again");
    check_true(ckpt_verify(path, NULL, &err) == NASH_ERR_DATA && strstr(err.msg, "/generator/0.weight has type"),
               "a variable-length dataset is refused (no leak under ASan): %s", err.msg);

    check_true(save(path, p, 1, &err) == NASH_OK, "save: %s", err.msg);
    hsize_t dims[3] = {huge, huge, 0};
    replace_weight(path, H5T_IEEE_F32LE, 3, dims);
    check_true(test_reseal(path), "seal the hostile file again");
    CkptInfo info;
    check_true(ckpt_describe(path, &info, &err) == NASH_OK, "describe: %s", err.msg);
    int64_t numel = -1;
    for (int g = 0; g < info.n_groups; g++)
        for (int t = 0; t < info.groups[g].n_tensors; t++)
            if (!strcmp(info.groups[g].name, "generator") && !strcmp(info.groups[g].tensors[t].name, "0.weight"))
                numel = info.groups[g].tensors[t].numel;
    check_true(numel == 0, "ckpt_describe counts dimensions (2^40, 2^40, 0) as 0 elements without overflow (%lld)",
               (long long)numel);
    ckpt_info_free(&info);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    Players p;
    players_init(&p, 1);
    char run[512], path[512];
    NashError err = {0};
    snprintf(run, sizeof run, "%s/run", dir);
    ckpt_path(run, 20, path, sizeof path, &err);
    check_true(!strcmp(path + strlen(run), "/ckpt/step_00000020.h5"), "ckpt_path: %s", path);
    test_roundtrip(path, &p);
    char ckdir[600];
    snprintf(ckdir, sizeof ckdir, "%s/ckpt", run);
    check_true(count_files(ckdir, ".tmp.") == 0, "no temporary file after a good save");
    test_mismatch(path);
    test_corruption(run, &p);
    test_find_none_and_prune(&p);
    test_non_finite(&p);
    test_hostile_datasets(&p);
    players_free(&p);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_finish("checkpoint");
}
