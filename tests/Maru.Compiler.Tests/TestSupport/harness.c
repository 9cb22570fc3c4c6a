/* Loads a Maru-built shared library, calls its main(argc, argv) and exits with the result.
   Used by the conformance tests so each program runs in its own process, as `maru run` would run it.
   Built with cc for Linux (dlopen) and with x86_64-w64-mingw32-gcc for Windows, where it runs under wine (LoadLibrary).
   On Windows, `harness --output OUT ERR ...` first sends standard output and error to those files (under wine, reading
   them through pipes would wait for wine's helper processes, which inherit the pipes, to let go), and
   `harness --stack-walk LIBRARY FUNCTION` calls FUNCTION(callback) instead: the callback prints, for each frame of a
   stack walk, which module its code belongs to, so a test can see the walk pass through Maru frames. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int64_t (*entry_point)(int64_t, char **);

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>

static HMODULE maru_library;

static const char *module_kind(void *address) {
    HMODULE module = NULL;
    GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, (LPCSTR)address, &module);
    return module == maru_library ? "maru" : module == GetModuleHandleA(NULL) ? "harness" : "other";
}

static int64_t print_stack_walk(int64_t unused) {
    (void)unused;
    void *frames[64];
    USHORT count = RtlCaptureStackBackTrace(0, 64, frames, NULL);
    for (USHORT i = 0; i < count; i++) printf("%s\n", module_kind(frames[i]));
    return count;
}

static void *load(const char *path, const char *symbol) {
    maru_library = LoadLibraryA(path);
    if (!maru_library) { fprintf(stderr, "harness: cannot load %s (error %lu)\n", path, GetLastError()); return NULL; }
    return (void *)GetProcAddress(maru_library, symbol);
}
#else
#include <dlfcn.h>

static void *load(const char *path, const char *symbol) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) { fprintf(stderr, "harness: %s\n", dlerror()); return NULL; }
    return dlsym(library, symbol);
}
#endif

int main(int argc, char **argv) {
#ifdef _WIN32
    if (argc >= 4 && strcmp(argv[1], "--output") == 0) {
        if (!freopen(argv[2], "wb", stdout) || !freopen(argv[3], "wb", stderr)) return 123;
        argv[3] = argv[0];
        argv += 3;
        argc -= 3;
    }
    /* Programs print "\n"; text mode would make it "\r\n". */
    _setmode(_fileno(stdout), _O_BINARY);
    if (argc == 4 && strcmp(argv[1], "--stack-walk") == 0) {
        int64_t (*walk)(int64_t (*)(int64_t)) = (int64_t (*)(int64_t (*)(int64_t)))load(argv[2], argv[3]);
        if (!walk) { fprintf(stderr, "harness: no %s in %s\n", argv[3], argv[2]); return 122; }
        walk(print_stack_walk);
        fflush(NULL);
        return 0;
    }
#endif
    if (argc < 2) { fprintf(stderr, "usage: harness LIBRARY [ARG...]\n"); return 120; }
    entry_point entry = (entry_point)load(argv[1], "main");
    if (!entry) { fprintf(stderr, "harness: no main in %s\n", argv[1]); return 122; }
    /* argv[0] of the program is the library path, as `maru run` passes the first file's path. */
    int64_t result = entry(argc - 1, argv + 1);
    fflush(NULL);
    return (int)(result & 0xff);
}
