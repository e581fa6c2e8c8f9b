/* OpenBLAS kernel selection: see include/ncl_blas_core.h. */
#define _GNU_SOURCE
#include "ncl_blas_core.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

const char *ncl_cpu_blas_core(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return NULL;
}

int ncl_blas_select_core(const char *name) {
  /* Exported by every DYNAMIC_ARCH OpenBLAS: quit forgets the chosen kernel table, init chooses
   * again, reading OPENBLAS_CORETYPE as it does when the library loads. */
  void (*quit)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit");
  void (*init)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init");
  if (quit == NULL || init == NULL || name == NULL) return -1;
  const char *previous = getenv("OPENBLAS_CORETYPE");
  char *saved = previous ? strdup(previous) : NULL;
  setenv("OPENBLAS_CORETYPE", name, 1);
  quit();
  init();
  if (saved) {
    setenv("OPENBLAS_CORETYPE", saved, 1);
    free(saved);
  } else {
    unsetenv("OPENBLAS_CORETYPE");
  }
  return 0;
}
