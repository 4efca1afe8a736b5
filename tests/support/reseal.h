/* reseal.h — seal a file again after a test edited it with HDF5 (core/seal.h), so that the edit
 * reaches the readers' own checks behind the seal. */
#ifndef NASH_TESTS_RESEAL_H
#define NASH_TESTS_RESEAL_H

#include <stdbool.h>

/* Rewrite the seal of the file at path over its current bytes; false on an I/O error. */
bool test_reseal(const char *path);

#endif
