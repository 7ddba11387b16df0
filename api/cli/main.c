/*
 * main.c -- the `caseflow` executable: everything is in cf_cli_main (cli.c), so
 * tests can run the very same command line in-process.
 */
#include "cli.h"

int main(int argc, char **argv)
{
    return cf_cli_main(argc, argv, stdout, stderr);
}
