/* Choosing OpenBLAS's kernel family where the library's own CPU detection falls short.
 *
 * A DYNAMIC_ARCH OpenBLAS picks its kernels when it loads, from a table of CPU models it knows.
 * A release older than the CPU (Debian 12's 0.3.21 on a 2023 Xeon) falls back to its oldest
 * x86-64 kernels (Prescott, SSE3): 2-2.5x slower products on a machine with AVX-512. These two
 * routines let the engine name the family the CPU's features call for and switch to it, through
 * OpenBLAS's own entry points, before the first product.
 */
#ifndef NCL_BLAS_CORE_H
#define NCL_BLAS_CORE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The OpenBLAS core name (as OPENBLAS_CORETYPE spells it) for the widest kernels this CPU can
 * run: "SkylakeX" with AVX-512 F/CD/BW/DQ/VL, "Haswell" with AVX2 and FMA, else NULL. */
const char *ncl_cpu_blas_core(void);

/* Re-runs OpenBLAS's kernel selection with OPENBLAS_CORETYPE = `name`, then restores the
 * environment as it was. Returns 0 on success, -1 where the loaded BLAS has no run-time kernel
 * selection (not OpenBLAS, or built without DYNAMIC_ARCH). Call it before any BLAS routine runs,
 * from one thread. */
int ncl_blas_select_core(const char *name);

#ifdef __cplusplus
}
#endif

#endif
