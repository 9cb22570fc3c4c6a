/* driver: runs a Maru program built as a shared library.

   usage: driver libNAME.so [args...]

   Loads the library, finds its exported `main` (every parameter and the
   result is a 64-bit word: int64_t main(int64_t argc, char **argv)), calls it
   with the remaining arguments, flushes stdout (the program prints through
   this process's printf) and exits with main's result. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t (*maru_main_fn)(int64_t argc, char **argv);

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s libNAME.so [args...]\n", argv[0]);
        return 2;
    }
    /* dlopen searches the library path for a name without '/': make it a path */
    char path[4096];
    snprintf(path, sizeof path, "%s%s", strchr(argv[1], '/') ? "" : "./", argv[1]);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "driver: %s\n", dlerror());
        return 2;
    }
    maru_main_fn entry = (maru_main_fn)dlsym(lib, "main");
    if (!entry) {
        fprintf(stderr, "driver: %s: no exported 'main': %s\n", argv[1], dlerror());
        return 2;
    }
    /* the program sees its own name (the library) as argv[0] */
    int64_t result = entry(argc - 1, argv + 1);
    fflush(stdout);
    return (int)result;
}
