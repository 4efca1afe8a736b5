/* h5util.c — small HDF5 helpers for data/ and store/: readable errors, opening and atomic creation
 * of files, string and number attributes, string datasets (see h5util.h). */
#include "store/h5util.h"

#define H5UTIL_CORE_INCREMENT (1 << 20) /* the in-memory file grows by 1 MiB at a time */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/seal.h"

/* ---- errors, files and names ------------------------------------------------------------------ */

static pthread_mutex_t h5util_mutex = PTHREAD_MUTEX_INITIALIZER;

void h5util_lock(void) { pthread_mutex_lock(&h5util_mutex); }
void h5util_unlock(void) { pthread_mutex_unlock(&h5util_mutex); }

void h5util_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

const char *h5util_version(char *buf, size_t size) {
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
#ifdef H5_HAVE_PARALLEL
    const char *kind = "parallel";
#else
    const char *kind = "serial";
#endif
    snprintf(buf, size, "%u.%u.%u (%s)", major, minor, release, kind);
    return buf;
}

typedef struct {
    char *buf;
    size_t size;
    int found;
} ReasonWalk;

/* Walking upward, entry 0 is the innermost (most specific) error. */
static herr_t reason_visit(unsigned n, const H5E_error2_t *e, void *data) {
    ReasonWalk *w = data;
    if (n == 0 && e->desc && e->desc[0]) {
        snprintf(w->buf, w->size, "%s", e->desc);
        w->found = 1;
    }
    return 0;
}

const char *h5util_reason(char *buf, size_t size) {
    ReasonWalk w = {buf, size, 0};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_visit, &w);
    if (!w.found) snprintf(buf, size, "unknown HDF5 error");
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

const char *h5util_type_name(hid_t type, char *buf, size_t size) {
    size_t bits = 8 * H5Tget_size(type);
    switch (H5Tget_class(type)) {
    case H5T_INTEGER: snprintf(buf, size, "%sint%zu", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", bits); break;
    case H5T_FLOAT: snprintf(buf, size, "float%zu", bits); break;
    case H5T_STRING: snprintf(buf, size, "string"); break;
    case H5T_COMPOUND: snprintf(buf, size, "compound"); break;
    case H5T_ENUM: snprintf(buf, size, "enum"); break;
    case H5T_ARRAY: snprintf(buf, size, "array"); break;
    case H5T_VLEN: snprintf(buf, size, "vlen"); break;
    default: snprintf(buf, size, "an unsupported type"); break;
    }
    return buf;
}

const char *h5util_dims_format(int rank, const hsize_t *dims, char *buf, size_t size) {
    size_t used = 0;
    int n = snprintf(buf, size, "(");
    if (n > 0) used = (size_t)n < size ? (size_t)n : size;
    for (int i = 0; i < rank && used < size; i++) {
        n = snprintf(buf + used, size - used, "%s%llu", i ? "," : "", (unsigned long long)dims[i]);
        if (n > 0) used += (size_t)n < size - used ? (size_t)n : size - used;
    }
    if (used < size) snprintf(buf + used, size - used, ")");
    return buf;
}

hid_t h5util_fapl_sec2(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return fapl;
    if (H5Pset_fapl_sec2(fapl) < 0) {
        H5Pclose(fapl);
        return H5I_INVALID_HID;
    }
    return fapl;
}

htri_t h5util_is_hdf5(const char *path) {
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_h5 = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is_h5 = H5Fis_hdf5(path);
#endif
    H5Eclear2(H5E_DEFAULT);
    return is_h5;
}

NashStatus h5util_open_read(const char *path, hid_t *file, NashError *err) {
    *file = H5I_INVALID_HID;
    h5util_quiet();
    struct stat sb;
    if (stat(path, &sb) != 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode)) return nash_fail(err, NASH_ERR_IO, "%s: not a regular file", path);
    FILE *probe = fopen(path, "rb");
    if (!probe) return nash_fail(err, NASH_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    if (h5util_is_hdf5(path) <= 0) return nash_fail(err, NASH_ERR_DATA, "%s: not an HDF5 file", path);
    *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (*file < 0) {
        char why[256];
        h5util_reason(why, sizeof why);
        return nash_fail(err, NASH_ERR_DATA,
                         "%s: an HDF5 file that cannot be opened: %s (truncated, damaged, or being written?)", path,
                         why);
    }
    return NASH_OK;
}

/* The in-memory file's buffer, kept through the file image callbacks: the core driver grows it
 * with image_realloc and hands it to image_free when the file closes, and instead of freeing it
 * there we keep it, complete and marked closed, for h5util_commit_atomic to write out. Taking
 * the image with H5Fget_file_image instead would copy it and hold the file twice at the moment
 * of the save (the final checkpoint raised a training rank's peak memory by a quarter). */
typedef struct {
    void *mem;  /* the buffer, once the file has closed (NULL until then) */
    void *live; /* the buffer while the file is open */
} CoreImage;

static void *core_malloc(size_t size, H5FD_file_image_op_t op, void *udata) {
    (void)op;
    CoreImage *ci = udata;
    return ci->live = malloc(size);
}

static void *core_memcpy(void *dest, const void *src, size_t size, H5FD_file_image_op_t op, void *udata) {
    (void)op, (void)udata;
    return memcpy(dest, src, size);
}

static void *core_realloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *udata) {
    (void)op;
    CoreImage *ci = udata;
    void *grown = realloc(ptr, size);
    if (grown && ptr == ci->live) ci->live = grown; /* the first growth too: both NULL */
    return grown;
}

static herr_t core_free(void *ptr, H5FD_file_image_op_t op, void *udata) {
    CoreImage *ci = udata;
    if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && ptr && ptr == ci->live) {
        ci->mem = ptr;
    } else {
        if (ptr == ci->live) ci->live = NULL;
        free(ptr);
    }
    return 0;
}

/* One CoreImage per file, shared by every copy of the property list; h5util_commit_atomic frees it. */
static void *core_udata_copy(void *udata) { return udata; }
static herr_t core_udata_free(void *udata) {
    (void)udata;
    return 0;
}

hid_t h5util_fcpl_sealed(void) {
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    if (fcpl >= 0 && H5Pset_userblock(fcpl, SEAL_BLOCK) < 0) {
        H5Pclose(fcpl);
        return H5I_INVALID_HID;
    }
    return fcpl;
}

NashStatus h5util_create_atomic(const char *path, AtomicFile *af, hid_t *file, NashError *err) {
    *file = H5I_INVALID_HID;
    int fd;
    NashStatus st = atomic_begin(af, path, &fd, err);
    if (st) return st;
    close(fd);
    /* The file is built in memory (the core driver without a backing store) and written out by
     * h5util_commit_atomic with plain write(2): HDF5 never meets a full disk, whose failed flush
     * leaves it a half-closed file that crashes the library at exit. */
    CoreImage *ci = calloc(1, sizeof *ci);
    H5FD_file_image_callbacks_t cb = {core_malloc,     core_memcpy, core_realloc, core_free, core_udata_copy,
                                      core_udata_free, ci};
    hid_t fapl = ci ? H5Pcreate(H5P_FILE_ACCESS) : H5I_INVALID_HID;
    hid_t fcpl = h5util_fcpl_sealed();
    if (fapl >= 0 && fcpl >= 0 && H5Pset_fapl_core(fapl, H5UTIL_CORE_INCREMENT, 0) >= 0 &&
        H5Pset_file_image_callbacks(fapl, &cb) >= 0)
        *file = H5Fcreate(af->tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    if (*file < 0) {
        free(ci);
        atomic_abort(af);
        return nash_fail(err, NASH_ERR_IO, "%s: HDF5 cannot create the file", path);
    }
    af->writer = ci;
    return NASH_OK;
}

/* Write the seal (the userblock, core/seal.h) and then all of buf to the temporary file; errors
 * name the final path and the reason. */
static NashStatus write_image(const AtomicFile *af, const void *buf, size_t size, NashError *err) {
    int fd = open(af->tmp_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot open the temporary file: %s", af->path, strerror(errno));
    unsigned char seal[SEAL_BLOCK];
    seal_make(seal, buf, size);
    for (size_t done = 0; done < SEAL_BLOCK;) {
        ssize_t n = write(fd, seal + done, SEAL_BLOCK - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            close(fd);
            return nash_fail(err, NASH_ERR_IO, "%s: cannot write its first %d bytes: %s", af->path, SEAL_BLOCK,
                             strerror(e));
        }
        done += (size_t)n;
    }
    const char *p = buf;
    size_t left = size;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            close(fd);
            return nash_fail(err, NASH_ERR_IO, "%s: cannot write %zu bytes: %s%s", af->path, size, strerror(e),
                             e == ENOSPC || e == EDQUOT ? " (free some space and run again; nothing was replaced)"
                                                        : "");
        }
        p += n;
        left -= (size_t)n;
    }
    if (close(fd) != 0) return nash_fail(err, NASH_ERR_IO, "%s: cannot close the file: %s", af->path, strerror(errno));
    return NASH_OK;
}

NashStatus h5util_commit_atomic(AtomicFile *af, hid_t file, NashStatus st, NashError *err) {
    CoreImage *ci = af->writer;
    af->writer = NULL;
    ssize_t size = -1;
    if (!st && (!ci || H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 || (size = H5Fget_file_image(file, NULL, 0)) <= 0))
        st = nash_fail(err, NASH_ERR_IO, "%s: cannot assemble the file in memory (%zd bytes)", af->path, size);
    if (H5Fclose(file) < 0 && !st) st = nash_fail(err, NASH_ERR_IO, "%s: cannot close the file", af->path);
    if (!st && !(ci && ci->mem))
        st = nash_fail(err, NASH_ERR_IO, "%s: HDF5 closed the file without handing over its image", af->path);
    /* The core driver's buffer holds the userblock too; H5Fget_file_image's size leaves it out. The
     * seal takes the userblock's place, so what follows it must be HDF5's superblock. */
    if (!st &&
        memcmp((const unsigned char *)ci->mem + SEAL_BLOCK, seal_hdf5_signature, sizeof seal_hdf5_signature) != 0)
        st = nash_fail(err, NASH_ERR_INTERNAL, "%s: the HDF5 image does not start its superblock after the userblock",
                       af->path);
    if (!st) st = write_image(af, (const unsigned char *)ci->mem + SEAL_BLOCK, (size_t)size, err);
    if (ci) free(ci->mem), free(ci);
    if (st) {
        atomic_abort(af);
        return st;
    }
    return atomic_commit(af, err);
}

/* ---- attributes and string datasets ----------------------------------------------------------- */

#define ATTR_SCALAR (-1)

static hid_t vlen_string_type(void) {
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Create attribute `name` on obj, scalar (count ATTR_SCALAR) or 1-D of count values, of type
 * file_type, and write data (of mem_type) to it. */
static herr_t write_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, int count, const void *data) {
    if (file_type < 0 || (count < 0 && count != ATTR_SCALAR)) return -1;
    hsize_t dims[1] = {count < 0 ? 0 : (hsize_t)count};
    hid_t space = count == ATTR_SCALAR ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, dims, NULL);
    hid_t attr = space < 0 ? H5I_INVALID_HID : H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t s = attr < 0 ? -1 : H5Awrite(attr, mem_type, data);
    if (attr >= 0 && H5Aclose(attr) < 0) s = -1;
    if (space >= 0) H5Sclose(space);
    return s;
}

herr_t h5util_write_string_attr(hid_t obj, const char *name, const char *value) {
    hid_t type = vlen_string_type();
    herr_t s = write_attr(obj, name, type, type, ATTR_SCALAR, &value);
    if (type >= 0) H5Tclose(type);
    return s;
}

herr_t h5util_write_strings_attr(hid_t obj, const char *name, const char *const *values, int count) {
    if (count <= 0) return -1;
    hid_t type = vlen_string_type();
    herr_t s = write_attr(obj, name, type, type, count, values);
    if (type >= 0) H5Tclose(type);
    return s;
}

herr_t h5util_write_int_attr(hid_t obj, const char *name, int32_t value) {
    return write_attr(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT32, ATTR_SCALAR, &value);
}

herr_t h5util_write_uint64_attr(hid_t obj, const char *name, uint64_t value) {
    return write_attr(obj, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, ATTR_SCALAR, &value);
}

herr_t h5util_write_ints_attr(hid_t obj, const char *name, const int32_t *values, int count) {
    return write_attr(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT32, count, values);
}

herr_t h5util_write_doubles_attr(hid_t obj, const char *name, const double *values, int count) {
    if (count <= 0) return -1;
    return write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, count, values);
}

herr_t h5util_write_string_dataset(hid_t loc, const char *name, const char *value) {
    hid_t type = vlen_string_type(), space = H5Screate(H5S_SCALAR), set = H5I_INVALID_HID;
    herr_t rc = -1;
    if (type >= 0 && space >= 0) set = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (set >= 0) rc = H5Dwrite(set, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
    if (set >= 0 && H5Dclose(set) < 0) rc = -1;
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return rc;
}

/* Read a scalar string from an open attribute (is_attr) or dataset, fixed- or variable-length,
 * into malloc'd memory. Fixed-length strings are read through a NUL-terminated memory type one
 * byte longer, so HDF5 drops their padding (NUL or space). */
static char *read_string(hid_t obj, bool is_attr) {
    hid_t type = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t space = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    char *out = NULL;
    if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1)
        goto done;
    hid_t mem = H5Tcopy(H5T_C_S1);
    if (mem < 0) goto done;
    if (H5Tis_variable_str(type) > 0) {
        char *value = NULL;
        H5Tset_size(mem, H5T_VARIABLE);
        H5Tset_cset(mem, H5Tget_cset(type));
        herr_t rc = is_attr ? H5Aread(obj, mem, &value) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value);
        if (rc >= 0) out = strdup(value ? value : "");
        if (rc >= 0 && value) H5free_memory(value);
    } else {
        size_t size = H5Tget_size(type);
        H5Tset_size(mem, size + 1);
        H5Tset_strpad(mem, H5T_STR_NULLTERM);
        H5Tset_cset(mem, H5Tget_cset(type));
        out = calloc(size + 1, 1);
        herr_t rc = -1;
        if (out) rc = is_attr ? H5Aread(obj, mem, out) : H5Dread(obj, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
        if (rc < 0) {
            free(out);
            out = NULL;
        }
    }
    H5Tclose(mem);
done:
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return out;
}

char *h5util_read_string_attr(hid_t obj, const char *name) {
    if (H5Aexists(obj, name) <= 0) return NULL;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return NULL;
    char *out = read_string(attr, true);
    H5Aclose(attr);
    return out;
}

char *h5util_read_string_dataset(hid_t loc, const char *name) {
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) return NULL;
    hid_t set = H5Dopen2(loc, name, H5P_DEFAULT);
    if (set < 0) return NULL;
    char *out = read_string(set, false);
    H5Dclose(set);
    return out;
}

int h5util_read_ints_attr(hid_t obj, const char *name, int32_t *values, int max) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
    hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    int count = -1;
    if (type >= 0 && H5Tget_class(type) == H5T_INTEGER && n >= 0 && n <= max && H5Sget_simple_extent_ndims(space) <= 1)
        if (H5Aread(attr, H5T_NATIVE_INT32, values) >= 0) count = (int)n;
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attr);
    return count;
}

/* ---- checksummed tensors and scalar attributes (weights, checkpoints, sample files) ---------- */

uint32_t h5util_crc32(const void *bytes, size_t n) {
    const Bytef *p = bytes;
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

herr_t h5util_write_crc32_attr(hid_t set, uint32_t crc) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = space < 0 ? H5I_INVALID_HID : H5Acreate2(set, "crc32", H5T_STD_U32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, H5T_NATIVE_UINT32, &crc);
    if (attr >= 0 && H5Aclose(attr) < 0) rc = -1;
    if (space >= 0) H5Sclose(space);
    return rc;
}

herr_t h5util_write_floats(hid_t loc, const char *name, int ndim, const hsize_t *dims, const float *data,
                           bool checksum) {
    hid_t space = ndim ? H5Screate_simple(ndim, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t set = H5I_INVALID_HID;
    herr_t rc = -1;
    if (space >= 0) set = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (set >= 0) rc = H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    if (rc >= 0 && checksum) {
        hssize_t n = H5Sget_simple_extent_npoints(space);
        rc = n < 0 ? -1 : h5util_write_crc32_attr(set, h5util_crc32(data, (size_t)n * sizeof(float)));
    }
    if (set >= 0 && H5Dclose(set) < 0) rc = -1;
    if (space >= 0) H5Sclose(space);
    return rc;
}

herr_t h5util_write_scalar_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type, const void *value) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = space < 0 ? H5I_INVALID_HID : H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = attr < 0 ? -1 : H5Awrite(attr, mem_type, value);
    if (attr >= 0 && H5Aclose(attr) < 0) rc = -1;
    if (space >= 0) H5Sclose(space);
    return rc;
}

herr_t h5util_read_scalar_attr(hid_t obj, const char *name, hid_t mem_type, void *value) {
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (attr < 0) return -1;
    hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
    herr_t rc = -1;
    if (type >= 0 && space >= 0 && H5Tget_class(type) == H5T_INTEGER && H5Sget_simple_extent_npoints(space) == 1)
        rc = H5Aread(attr, mem_type, value);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Aclose(attr);
    return rc;
}

herr_t h5util_read_int64_attr(hid_t obj, const char *name, int64_t *value) {
    return h5util_read_scalar_attr(obj, name, H5T_NATIVE_INT64, value);
}

herr_t h5util_read_uint64_attr(hid_t obj, const char *name, uint64_t *value) {
    return h5util_read_scalar_attr(obj, name, H5T_NATIVE_UINT64, value);
}
