/* data_images.h — `nash data images` (private to cli/): the entry point cmd_data.c dispatches to. */
#ifndef NASH_CLI_DATA_IMAGES_H
#define NASH_CLI_DATA_IMAGES_H

/* argv[0] is "images". Returns the exit code. */
int data_images(int argc, char **argv);

#endif
