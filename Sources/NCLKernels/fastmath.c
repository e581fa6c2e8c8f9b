/* The Float32 transcendental kernels of FastMath.swift in C, so that each array loop can be
 * compiled for several vector widths (Swift has no per-function target attributes). The scalar
 * helpers are branch-free (selects and bit manipulation only), so the loops auto-vectorize. */
#include "ncl_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Every variant must round the same way: no fused multiply-adds. */
#pragma clang fp contract(off)

static inline uint32_t bits(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
static inline float from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
static inline float magnitude(float x) { return from_bits(bits(x) & 0x7FFFFFFFu); }

static inline float fast_exp(float x) {
  x = x < -104.0f ? -104.0f : x; /* selects, not fminf/fmaxf: NaN passes through */
  x = x > 89.0f ? 89.0f : x;
  const float shifter = 12582912.0f; /* 1.5 * 2^23: rounds x / ln2 to nearest */
  float t = x * 1.44269504f + shifter;
  float nf = t - shifter;
  int32_t n = (int32_t)(bits(t) - bits(shifter));
  float r = x - nf * 0.693359375f;
  r = r + nf * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.38145185e-3f;
  p = p * r + 8.36872775e-3f;
  p = p * r + 4.16683890e-2f;
  p = p * r + 1.66665211e-1f;
  p = p * r + 4.99999940e-1f;
  p = p * r2 + r + 1.0f;
  int32_t n1 = n >> 1, n2 = n - n1;
  float s1 = from_bits((uint32_t)(n1 + 127) << 23);
  float s2 = from_bits((uint32_t)(n2 + 127) << 23);
  return p * s1 * s2;
}

static inline float fast_log_core(float x) {
  int tiny = x < 1.17549435e-38f;
  float xs = tiny ? x * 8388608.0f : x;
  uint32_t ix = bits(xs) + (0x3F800000u - 0x3F3504F3u);
  int32_t k = (int32_t)(ix >> 23) - (tiny ? 150 : 127);
  ix = (ix & 0x007FFFFFu) + 0x3F3504F3u;
  float f = from_bits(ix) - 1.0f;
  float s = f / (2.0f + f);
  float z = s * s;
  float w = z * z;
  float t1 = w * (0.40000972152f + w * 0.24279078841f);
  float t2 = z * (0.66666662693f + w * 0.28498786688f);
  float rr = t2 + t1;
  float hfsq = 0.5f * f * f;
  float dk = (float)k;
  return s * (hfsq + rr) + dk * 9.0580006145e-6f - hfsq + f + dk * 6.9313812256e-1f;
}

static inline float fast_log(float x) {
  float y = fast_log_core(x);
  y = x == INFINITY ? x : y;
  y = x == 0.0f ? -INFINITY : y;
  return x >= 0.0f ? y : NAN;
}

static inline float fast_log1p(float x) {
  float u = 1.0f + x;
  float y = fast_log_core(u) - ((u - 1.0f) - x) / u;
  y = u == 1.0f ? x : y;
  y = x == INFINITY ? x : y;
  y = x == -1.0f ? -INFINITY : y;
  return x >= -1.0f ? y : NAN;
}

static inline float fast_tanh(float x) {
  uint32_t sign = bits(x) & 0x80000000u;
  float a = magnitude(x);
  a = a > 10.0f ? 10.0f : a;
  float e = fast_exp(a + a);
  float large = 1.0f - 2.0f / (e + 1.0f);
  float z = a * a;
  float p = -5.70495194e-3f;
  p = p * z + 2.06390619e-2f;
  p = p * z - 5.37397079e-2f;
  p = p * z + 1.33314416e-1f;
  p = p * z - 3.33332807e-1f;
  float small = a + a * z * p;
  float r = a < 0.625f ? small : large;
  return from_bits(bits(r) | sign);
}

static inline float fast_sigmoid(float x) {
  float e = fast_exp(-magnitude(x));
  return (x < 0.0f ? e : 1.0f) / (1.0f + e);
}

static inline float fast_softplus(float x) {
  float e = fast_exp(-magnitude(x));
  float u = 1.0f + e;
  float l = fast_log_core(u) - ((u - 1.0f) - e) / u;
  return (x > 0.0f ? x : 0.0f) + l;
}

static inline float fast_silu(float x) {
  float y = x * fast_sigmoid(x);
  return x == -INFINITY ? -0.0f : y;
}

static inline float fast_silu_derivative(float x) {
  float e = fast_exp(-magnitude(x));
  float inv = 1.0f / (1.0f + e);
  float crossing = e * ((1.0f + x) + e) * inv * inv;
  float s = (x < 0.0f ? e : 1.0f) * inv;
  float one_minus_s = x < 0.0f ? 1.0f - s : e * inv;
  float general = s * (1.0f + x * one_minus_s);
  float y = (x < -0.75f && x > -3.0f) ? crossing : general;
  y = x == INFINITY ? 1.0f : y;
  y = x == -INFINITY ? 0.0f : y;
  return y;
}

static inline float fast_silu_second_derivative(float x) {
  float s = fast_sigmoid(x), c = fast_sigmoid(-x);
  return s * c * (2.0f + x * (c - s));
}

static inline float fast_log_logistic_density(float x) {
  float a = magnitude(x);
  float e = fast_exp(-a);
  float u = 1.0f + e;
  float l = fast_log_core(u) - ((u - 1.0f) - e) / u;
  return -a - 2.0f * l;
}

#if defined(__x86_64__) && defined(__linux__)
#define NCL_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define NCL_CLONES
#endif

/* The in-place case gets its own one-pointer loop: the vectorizer's runtime alias check treats
 * x == y as overlapping and would fall back to the scalar loop. */
#define NCL_ARRAY_KERNEL(name, f)                                                   \
  NCL_CLONES void name(const float *x, float *y, ptrdiff_t count) {                 \
    if (x == y) {                                                                   \
      for (ptrdiff_t i = 0; i < count; i++) y[i] = f(y[i]);                         \
    } else {                                                                        \
      for (ptrdiff_t i = 0; i < count; i++) y[i] = f(x[i]);                         \
    }                                                                               \
  }

NCL_ARRAY_KERNEL(ncl_fast_exp_array, fast_exp)
NCL_ARRAY_KERNEL(ncl_fast_log_array, fast_log)
NCL_ARRAY_KERNEL(ncl_fast_log1p_array, fast_log1p)
NCL_ARRAY_KERNEL(ncl_fast_tanh_array, fast_tanh)
NCL_ARRAY_KERNEL(ncl_fast_sigmoid_array, fast_sigmoid)
NCL_ARRAY_KERNEL(ncl_fast_softplus_array, fast_softplus)
NCL_ARRAY_KERNEL(ncl_fast_silu_array, fast_silu)
NCL_ARRAY_KERNEL(ncl_fast_silu_derivative_array, fast_silu_derivative)
NCL_ARRAY_KERNEL(ncl_fast_silu_second_derivative_array, fast_silu_second_derivative)
NCL_ARRAY_KERNEL(ncl_fast_log_logistic_density_array, fast_log_logistic_density)

void ncl_fast_apply(ncl_fast_function_t function, const float *x, float *y, ptrdiff_t count) {
  switch (function) {
  case NCL_FAST_EXP: ncl_fast_exp_array(x, y, count); break;
  case NCL_FAST_LOG: ncl_fast_log_array(x, y, count); break;
  case NCL_FAST_LOG1P: ncl_fast_log1p_array(x, y, count); break;
  case NCL_FAST_TANH: ncl_fast_tanh_array(x, y, count); break;
  case NCL_FAST_SIGMOID: ncl_fast_sigmoid_array(x, y, count); break;
  case NCL_FAST_SOFTPLUS: ncl_fast_softplus_array(x, y, count); break;
  case NCL_FAST_SILU: ncl_fast_silu_array(x, y, count); break;
  case NCL_FAST_SILU_DERIVATIVE: ncl_fast_silu_derivative_array(x, y, count); break;
  case NCL_FAST_SILU_SECOND_DERIVATIVE: ncl_fast_silu_second_derivative_array(x, y, count); break;
  case NCL_FAST_LOG_LOGISTIC_DENSITY: ncl_fast_log_logistic_density_array(x, y, count); break;
  }
}

NCL_CLONES void ncl_silu_backward(const float *a, const float *g, float *out, ptrdiff_t count) {
  for (ptrdiff_t i = 0; i < count; i++) out[i] = g[i] * fast_silu_derivative(a[i]);
}

NCL_CLONES void ncl_silu_tangent(const float *a, const float *t, float *out, ptrdiff_t count) {
  for (ptrdiff_t i = 0; i < count; i++) out[i] = t[i] * fast_silu_derivative(a[i]);
}

/* silu'(x) and silu''(x) from one exponential (the separate kernels take three between them):
 * the same formulas as fast_silu_derivative and fast_silu_second_derivative, with the sigmoids
 * as e / (1 + e) products instead of quotients, so they agree to within rounding. */
static inline void fast_silu_derivatives(float x, float *first, float *second) {
  float e = fast_exp(-magnitude(x));
  float inv = 1.0f / (1.0f + e);
  float s = (x < 0.0f ? e : 1.0f) * inv;  /* sigmoid(x) */
  float c = (x < 0.0f ? 1.0f : e) * inv;  /* sigmoid(-x) = 1 - s without cancellation */
  float crossing = e * ((1.0f + x) + e) * inv * inv;
  float general = s * (1.0f + x * c);
  float y = (x < -0.75f && x > -3.0f) ? crossing : general;
  y = x == INFINITY ? 1.0f : y;
  y = x == -INFINITY ? 0.0f : y;
  *first = y;
  *second = s * c * (2.0f + x * (c - s));
}

NCL_CLONES void ncl_silu_tangent_backward(const float *a, const float *t, const float *g, float *grad_a,
                                          float *grad_t, ptrdiff_t count) {
  for (ptrdiff_t i = 0; i < count; i++) {
    float first, second;
    fast_silu_derivatives(a[i], &first, &second);
    grad_a[i] = (g[i] * t[i]) * second;
    grad_t[i] = g[i] * first;
  }
}

float ncl_fast_scalar(ncl_fast_function_t function, float x) {
  float y;
  ncl_fast_apply(function, &x, &y, 1);
  return y;
}

const char *ncl_fast_isa(void) {
#if defined(__x86_64__) && defined(__linux__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("avx2")) return "avx2";
#endif
  return "sse2";
}
