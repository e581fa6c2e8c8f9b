/* A user's own control problem for the SOC plugin: b, f and G, with their derivatives, in C.
 *
 * This one is the quadratic OU "hard" setting written by hand (b = x, f = |x|^2, G = |x|^2 / 2),
 * so that its answer is known: `nclhost run SOC --set problem=custom --set library=libquadratic_ou.so
 * --set dimension=2 --set init_mean=0.4,0.6` poses the same problem as `--set problem=quadratic-hard`.
 *
 * Build: cc -O2 -shared -fPIC quadratic_ou.c -o libquadratic_ou.so
 *
 * Every function works on a whole batch: n points x[i * d + k] (row-major), returns 0 on success.
 */
#include <stdint.h>

/* Exported even under -fvisibility=hidden. */
#define SOC_EXPORT __attribute__((visibility("default")))

/* b(x), out: n x d. */
SOC_EXPORT int soc_drift(int64_t n, int64_t d, const double *x, double *out) {
  for (int64_t k = 0; k < n * d; k++) out[k] = x[k];
  return 0;
}

/* out[i, k] = sum_j v[i, j] d b_j / d x_k at x_i (here b = x: out = v). */
SOC_EXPORT int soc_drift_vjp(int64_t n, int64_t d, const double *x, const double *v, double *out) {
  (void)x;
  for (int64_t k = 0; k < n * d; k++) out[k] = v[k];
  return 0;
}

/* f(x) = |x|^2, out: n. */
SOC_EXPORT int soc_running_cost(int64_t n, int64_t d, const double *x, double *out) {
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int64_t k = 0; k < d; k++) s += x[i * d + k] * x[i * d + k];
    out[i] = s;
  }
  return 0;
}

/* grad f = 2 x, out: n x d. */
SOC_EXPORT int soc_running_cost_grad(int64_t n, int64_t d, const double *x, double *out) {
  for (int64_t k = 0; k < n * d; k++) out[k] = 2 * x[k];
  return 0;
}

/* G(x) = |x|^2 / 2, out: n. */
SOC_EXPORT int soc_terminal_cost(int64_t n, int64_t d, const double *x, double *out) {
  for (int64_t i = 0; i < n; i++) {
    double s = 0;
    for (int64_t k = 0; k < d; k++) s += x[i * d + k] * x[i * d + k];
    out[i] = 0.5 * s;
  }
  return 0;
}

/* grad G = x, out: n x d. */
SOC_EXPORT int soc_terminal_cost_grad(int64_t n, int64_t d, const double *x, double *out) {
  for (int64_t k = 0; k < n * d; k++) out[k] = x[k];
  return 0;
}
