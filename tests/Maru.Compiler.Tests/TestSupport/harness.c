/* Loads a Maru-built shared library, calls its main(argc, argv) and exits with the result.
   Used by the conformance tests so each program runs in its own process, as `maru run` would run it. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: harness LIBRARY [ARG...]\n"); return 120; }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { fprintf(stderr, "harness: %s\n", dlerror()); return 121; }
    int64_t (*entry)(int64_t, char **) = (int64_t (*)(int64_t, char **))dlsym(library, "main");
    if (!entry) { fprintf(stderr, "harness: no main in %s\n", argv[1]); return 122; }
    /* argv[0] of the program is the library path, as `maru run` passes the first file's path. */
    int64_t result = entry(argc - 1, argv + 1);
    fflush(NULL);
    return (int)(result & 0xff);
}
