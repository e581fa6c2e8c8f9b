/* NCLKernels: the engine's Float32 elementwise kernels, compiled once per vector width.
 *
 * Each array kernel is built for AVX-512, AVX2 and baseline x86-64 (SSE2) and the widest the
 * CPU supports is chosen when the program loads (GNU ifunc), so one binary runs everywhere and
 * uses the whole vector unit where there is one. Floating-point contraction is off, so every
 * variant rounds exactly like the others: results are bit-identical across machines.
 *
 * Every kernel accepts x == y (in place). Algorithms and error bounds are documented on the
 * Swift side, in Sources/NCLHost/Tensor/FastMath.swift, and asserted by FastMathTests.
 */
#ifndef NCL_KERNELS_H
#define NCL_KERNELS_H

#include <stddef.h>

#include "ncl_blas_core.h"
#include "ncl_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ncl_fast_function {
  NCL_FAST_EXP = 0,
  NCL_FAST_LOG,
  NCL_FAST_LOG1P,
  NCL_FAST_TANH,
  NCL_FAST_SIGMOID,
  NCL_FAST_SOFTPLUS,
  NCL_FAST_SILU,
  NCL_FAST_SILU_DERIVATIVE,
  NCL_FAST_SILU_SECOND_DERIVATIVE,
  NCL_FAST_LOG_LOGISTIC_DENSITY,
} ncl_fast_function_t;

/* y[i] = f(x[i]) for i < count. */
void ncl_fast_apply(ncl_fast_function_t function, const float *x, float *y, ptrdiff_t count);

/* The SiLU chain of a layer differentiated in t and then in the parameters, fused: each is the
 * product the autodiff tape would form from siluDerivative / siluSecondDerivative (the first two
 * rounded the same way, the third within rounding: silu' and silu'' share one exponential), in
 * one pass instead of two to four.
 *   ncl_silu_backward:         out = g * silu'(a)
 *   ncl_silu_tangent:          out = silu'(a) * t
 *   ncl_silu_tangent_backward: grad_a = (g * t) * silu''(a), grad_t = g * silu'(a) */
void ncl_silu_backward(const float *a, const float *g, float *out, ptrdiff_t count);
void ncl_silu_tangent(const float *a, const float *t, float *out, ptrdiff_t count);
void ncl_silu_tangent_backward(const float *a, const float *t, const float *g, float *grad_a, float *grad_t,
                               ptrdiff_t count);

/* One value, through the same code as the array kernels (for tests and scalar callers). */
float ncl_fast_scalar(ncl_fast_function_t function, float x);

/* The instruction set the array kernels run with on this CPU: "avx512f", "avx2" or "sse2". */
const char *ncl_fast_isa(void);

#ifdef __cplusplus
}
#endif

#endif
