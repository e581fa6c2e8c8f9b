/* gaussian_transport.c: an NCL plugin in plain C. Dynamical optimal transport between two
 * isotropic Gaussians, whose exact answer is known: the template to copy for a C objective.
 *
 * Build:  cc -std=c11 -O2 -shared -fPIC -fvisibility=hidden -I ../../Sources/NCLPluginAPI/include \
 *            gaussian_transport.c -o libgaussian_transport.so -lm
 * Run:    nclhost run GaussianTransport --plugin-path . --steps 2000
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ncl_plugin.h"

#define EXPORT __attribute__((visibility("default")))

/* ---- parameters, in declaration order ---- */
enum { P_DIMENSION, P_MEAN0, P_STD0, P_MEAN1, P_STD1, P_KINETIC_WEIGHT, P_BATCH, P_COUNT };

static const ncl_param_info_t params[P_COUNT] = {
  {sizeof(ncl_param_info_t), "dimension", NCL_PARAM_INT, "2", 1, 16, NULL, "dimension D of the Gaussians"},
  {sizeof(ncl_param_info_t), "mean0", NCL_PARAM_FLOAT, "-1", -100, 100, NULL, "mean (every coordinate) at t = 0"},
  {sizeof(ncl_param_info_t), "std0", NCL_PARAM_FLOAT, "0.5", 1e-3, 100, NULL, "standard deviation at t = 0"},
  {sizeof(ncl_param_info_t), "mean1", NCL_PARAM_FLOAT, "1", -100, 100, NULL, "mean (every coordinate) at t = 1"},
  {sizeof(ncl_param_info_t), "std1", NCL_PARAM_FLOAT, "1", 1e-3, 100, NULL, "standard deviation at t = 1"},
  {sizeof(ncl_param_info_t), "kinetic_weight", NCL_PARAM_FLOAT, "0.05", 0, 1e6, NULL, "weight of the kinetic energy term (small: the marginals dominate)"},
  {sizeof(ncl_param_info_t), "batch", NCL_PARAM_INT, "256", 1, 1 << 20, NULL, "samples per marginal and kinetic points per step"},
};

/* ---- an extra entry point: the exact answer, callable as `nclhost call ... gaussian_w2 ...` ---- */
EXPORT double gaussian_transport_w2(int64_t dimension, double mean0, double std0, double mean1, double std1) {
  return (double)dimension * ((mean1 - mean0) * (mean1 - mean0) + (std1 - std0) * (std1 - std0));
}

static const ncl_function_info_t functions[] = {
  {sizeof(ncl_function_info_t), "gaussian_w2", "gaussian_transport_w2", "d(idddd)",
   "squared W2 between N(m0, s0^2 I) and N(m1, s1^2 I) in D dimensions: D((m1-m0)^2 + (s1-s0)^2)"},
};

/* ---- the objective ---- */
typedef struct {
  int64_t dimension, batch;
  double mean0, std0, mean1, std1, kinetic_weight;
  double half_width; /* the uniform proposal of the kinetic term covers [-half_width, half_width]^D */
  ncl_problem_t problem;
} state_t;

/* -E log rho_t over `batch` samples of N(mean, std^2 I) at time t. */
static ncl_tensor_t *negative_log_likelihood(const ncl_host_t *host, const state_t *s, double t, double mean, double std) {
  const ncl_host_api_t *api = host->api;
  int64_t shape[2] = {s->batch, s->dimension};
  ncl_tensor_t *x = api->normal(host, shape, 2, mean, std);
  ncl_tensor_t *log_density = api->field(host, NCL_FIELD_LOG_DENSITY, api->full(host, t, NULL, 0), x);
  return api->affine(host, api->reduce(host, NCL_REDUCE_MEAN, log_density, NCL_ALL_AXES, 0), -1, 0);
}

static ncl_status_t loss(const ncl_objective_t *self, const ncl_host_t *host, const ncl_step_info_t *step,
                         ncl_tensor_t **out, char *err, size_t err_cap) {
  (void)step;
  const state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  ncl_tensor_t *nll0 = negative_log_likelihood(host, s, 0, s->mean0, s->std0);
  ncl_tensor_t *nll1 = negative_log_likelihood(host, s, 1, s->mean1, s->std1);

  /* Kinetic energy E_{t, x ~ rho_t} |u|^2 / 2, importance-sampled from t ~ U[0,1], x ~ U(box). */
  int64_t tshape[2] = {s->batch, 1}, xshape[2] = {s->batch, s->dimension};
  ncl_tensor_t *t = api->uniform(host, tshape, 2, 0, 1);
  ncl_tensor_t *x = api->uniform(host, xshape, 2, -s->half_width, s->half_width);
  ncl_tensor_t *u = api->field(host, NCL_FIELD_DRIFT, t, x);
  ncl_tensor_t *rho = api->unary(host, NCL_OP_EXP, api->field(host, NCL_FIELD_LOG_DENSITY, t, x));
  ncl_tensor_t *speed = api->reduce(host, NCL_REDUCE_SUM, api->unary(host, NCL_OP_SQUARE, u), 1, 0);
  double box = pow(2 * s->half_width, (double)s->dimension);
  ncl_tensor_t *kinetic = api->affine(host, api->reduce(host, NCL_REDUCE_MEAN, api->binary(host, NCL_OP_MULTIPLY, speed, rho), NCL_ALL_AXES, 0), 0.5 * box, 0);

  api->report(host, "nll0", nll0);
  api->report(host, "nll1", nll1);
  api->report(host, "kinetic", kinetic);
  *out = api->binary(host, NCL_OP_ADD, api->binary(host, NCL_OP_ADD, nll0, nll1), api->affine(host, kinetic, s->kinetic_weight, 0));
  if (*out == NULL) {
    snprintf(err, err_cap, "building the loss failed: %s", api->last_error(host));
    return NCL_ERROR_INTERNAL;
  }
  return NCL_OK;
}

static ncl_status_t evaluate(const ncl_objective_t *self, const ncl_host_t *host, const ncl_metric_sink_t *sink,
                             char *err, size_t err_cap) {
  const state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  /* Transport cost E|X1 - X0|^2 along the learned ODE, from exact samples of rho_0. */
  int64_t tshape[2] = {2000, 1};
  ncl_tensor_t *x0 = api->sample(host, api->full(host, 0, tshape, 2));
  ncl_tensor_t *x1 = api->integrate(host, x0, 0, 1, 50, 0);
  ncl_tensor_t *cost = api->reduce(host, NCL_REDUCE_MEAN,
                                   api->reduce(host, NCL_REDUCE_SUM, api->unary(host, NCL_OP_SQUARE, api->binary(host, NCL_OP_SUBTRACT, x1, x0)), 1, 0),
                                   NCL_ALL_AXES, 0);
  double value = 0;
  if (cost == NULL || api->read(host, cost, &value, 1) != 1) {
    snprintf(err, err_cap, "evaluation failed: %s", api->last_error(host));
    return NCL_ERROR_INTERNAL;
  }
  sink->add(sink, "transport_cost", value);
  sink->add(sink, "exact_w2_squared", gaussian_transport_w2(s->dimension, s->mean0, s->std0, s->mean1, s->std1));
  return NCL_OK;
}

static void destroy(ncl_objective_t *self) {
  free(self->ctx);
  free(self);
}

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *p, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host;
  if (p->count != P_COUNT) {
    snprintf(err, err_cap, "expected %d parameters, got %u", P_COUNT, p->count);
    return NCL_ERROR_INVALID_ARGUMENT;
  }
  state_t *s = calloc(1, sizeof *s);
  ncl_objective_t *o = calloc(1, sizeof *o);
  if (s == NULL || o == NULL) {
    free(s);
    free(o);
    snprintf(err, err_cap, "out of memory");
    return NCL_ERROR_INTERNAL;
  }
  s->dimension = (int64_t)p->values[P_DIMENSION].number;
  s->mean0 = p->values[P_MEAN0].number;
  s->std0 = p->values[P_STD0].number;
  s->mean1 = p->values[P_MEAN1].number;
  s->std1 = p->values[P_STD1].number;
  s->kinetic_weight = p->values[P_KINETIC_WEIGHT].number;
  s->batch = (int64_t)p->values[P_BATCH].number;
  s->half_width = fmax(fabs(s->mean0) + 4 * s->std0, fabs(s->mean1) + 4 * s->std1);
  s->problem = (ncl_problem_t){
    .struct_size = sizeof(ncl_problem_t), .dimension = (uint32_t)s->dimension, .noise_kind = NCL_NOISE_CONSTANT,
    .components = 4, .hidden_width = 64, .hidden_layers = 2, .flux = NCL_FLUX_TELESCOPING, .flux_tau = 1,
    .batch_size = (uint32_t)s->batch,
  };
  o->struct_size = sizeof *o;
  o->ctx = s;
  o->problem = &s->problem;
  o->loss = loss;
  o->evaluate = evaluate;
  o->destroy = destroy;
  *out = o;
  return NCL_OK;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT,
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.examples.gaussian-transport",
  .name = "GaussianTransport",
  .version = "0.1.0",
  .description = "Example C plugin: dynamical OT between two isotropic Gaussians (exact W2 known)",
  .param_count = P_COUNT,
  .params = params,
  .function_count = 1,
  .functions = functions,
  .create = create,
};

EXPORT const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }
