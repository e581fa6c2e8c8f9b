/* features_1_2.c: a test plugin that uses every ABI 1.2 addition (data map, plugin_path, the new
 * operations, samples with log-densities, paths at requested times, scopes, a plugin-defined
 * differentiable function, an exported function that reports errors). Not an example. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncl_plugin.h"

#define EXPORT __attribute__((visibility("default")))
#define B 64

enum { P_MODE, P_COUNT };

static const ncl_param_info_t params[P_COUNT] = {
  {sizeof(ncl_param_info_t), "mode", NCL_PARAM_CHOICE, "ok", 0, -1, "ok|second_order|stale_scope|failing_function",
   "behaviour under test"},
};

static const double shift[2] = {5, -2};
static const double scale[2] = {2, 0.25};
static char plugin_path[4096];

typedef struct {
  char mode[32];
  ncl_problem_t problem;
  ncl_function_def_t cost;
} state_t;

/* The user's cost c(x) = 0.01 sum_i (x_i - shift_i)^2 per row of x [B, 2], written in C. */
static ncl_status_t cost_forward(void *user_data, const ncl_array_t *inputs, int32_t count, ncl_array_t *output, char *err, size_t err_cap) {
  const state_t *s = user_data;
  if (count != 1 || inputs[0].rank != 2 || inputs[0].shape[1] != 2) {
    snprintf(err, err_cap, "cost takes one [B, 2] tensor");
    return NCL_ERROR_INVALID_ARGUMENT;
  }
  if (strcmp(s->mode, "failing_function") == 0) {
    snprintf(err, err_cap, "refusing to evaluate, as asked");
    return NCL_ERROR_NUMERIC;
  }
  for (int64_t b = 0; b < inputs[0].shape[0]; b++) {
    double a = inputs[0].data[2 * b] - shift[0], c = inputs[0].data[2 * b + 1] - shift[1];
    output->data[b] = 0.01 * (a * a + c * c);
  }
  return NCL_OK;
}

static ncl_status_t cost_vjp(void *user_data, const ncl_array_t *inputs, int32_t count, const ncl_array_t *output,
                             const ncl_array_t *output_gradient, ncl_array_t *input_gradients, char *err, size_t err_cap) {
  (void)user_data; (void)count; (void)output; (void)err; (void)err_cap;
  for (int64_t b = 0; b < inputs[0].shape[0]; b++) {
    for (int i = 0; i < 2; i++) {
      input_gradients[0].data[2 * b + i] = output_gradient->data[b] * 0.02 * (inputs[0].data[2 * b + i] - shift[i]);
    }
  }
  return NCL_OK;
}

static ncl_status_t fail(const ncl_host_t *host, char *err, size_t err_cap) {
  const char *message = host->api->last_error(host);
  snprintf(err, err_cap, "%s", message ? message : "(no host error)");
  return NCL_ERROR_INTERNAL;
}

static ncl_tensor_t *data_points(const ncl_host_t *host, int64_t n) {
  const ncl_host_api_t *api = host->api;
  int64_t shape[2] = {n, 2}, row[1] = {2};
  ncl_tensor_t *z = api->normal(host, shape, 2, 0, 1);
  return api->binary(host, NCL_OP_ADD, api->binary(host, NCL_OP_MULTIPLY, z, api->tensor(host, scale, row, 1)), api->tensor(host, shift, row, 1));
}

static ncl_status_t loss(const ncl_objective_t *self, const ncl_host_t *host, const ncl_step_info_t *step,
                         ncl_tensor_t **out, char *err, size_t err_cap) {
  (void)step;
  state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  if (!NCL_HAS_MEMBER(api, ncl_host_api_t, apply_function)) {
    snprintf(err, err_cap, "this plugin needs an ABI 1.2 host");
    return NCL_ERROR_UNSUPPORTED;
  }
  int64_t tshape[2] = {B, 1}, one[1] = {1};
  ncl_tensor_t *t = api->uniform(host, tshape, 2, 0, 10);
  ncl_tensor_t *nll = api->affine(host, api->reduce(host, NCL_REDUCE_MEAN, api->field(host, NCL_FIELD_LOG_DENSITY, t, data_points(host, B)), NCL_ALL_AXES, 0), -1, 0);
  /* The cost at pathwise-differentiable samples: its gradient flows through the plugin's vjp. */
  ncl_tensor_t *x = api->sample_reparameterized(host, t);
  ncl_tensor_t *cost = api->reduce(host, NCL_REDUCE_MEAN, api->apply_function(host, &s->cost, (const ncl_tensor_t *const *)&x, 1, tshape, 1), NCL_ALL_AXES, 0);
  /* where() guards log outside its domain: the unchosen NaNs must poison neither values nor gradients. */
  ncl_tensor_t *x1 = api->slice(host, x, 1, 0, 1);
  ncl_tensor_t *positive = api->compare(host, NCL_COMPARE_GREATER, x1, api->full(host, 0, one, 1));
  ncl_tensor_t *guarded = api->where(host, positive, api->unary(host, NCL_OP_LOG, x1), api->full(host, 0, one, 1));
  ncl_tensor_t *total = api->binary(host, NCL_OP_ADD, api->binary(host, NCL_OP_ADD, nll, cost),
                                    api->affine(host, api->reduce(host, NCL_REDUCE_MEAN, guarded, NCL_ALL_AXES, 0), 1e-3, 0));
  if (strcmp(s->mode, "second_order") == 0) {
    /* grad of the plugin's function at parameter-dependent points, differentiated again by the host. */
    ncl_tensor_t *slope = api->grad(host, api->apply_function(host, &s->cost, (const ncl_tensor_t *const *)&x, 1, tshape, 1), x);
    total = api->binary(host, NCL_OP_ADD, total, api->reduce(host, NCL_REDUCE_MEAN, api->unary(host, NCL_OP_SQUARE, slope), NCL_ALL_AXES, 0));
  }
  api->report(host, "nll", nll);
  api->report(host, "cost", cost);
  *out = total;
  return total == NULL ? fail(host, err, err_cap) : NCL_OK;
}

static double read1(const ncl_host_t *host, const ncl_tensor_t *x) {
  double value = NAN;
  host->api->read(host, x, &value, 1);
  return value;
}

static ncl_status_t evaluate(const ncl_objective_t *self, const ncl_host_t *host, const ncl_metric_sink_t *sink, char *err, size_t err_cap) {
  const state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  int64_t tshape[2] = {512, 1};
  /* Samples with their log-density in one pass, against the field at the samples. */
  ncl_tensor_t *t = api->full(host, 5, tshape, 2), *log_density = NULL;
  ncl_tensor_t *x = api->sample_with_log_density(host, t, &log_density);
  ncl_tensor_t *gap = api->reduce(host, NCL_REDUCE_MEAN, api->unary(host, NCL_OP_ABS,
    api->binary(host, NCL_OP_SUBTRACT, log_density, api->field(host, NCL_FIELD_LOG_DENSITY, t, x))), NCL_ALL_AXES, 0);
  sink->add(sink, "log_density_gap", read1(host, gap));
  sink->add(sink, "sample_mean_x1", read1(host, api->reduce(host, NCL_REDUCE_MEAN, api->slice(host, x, 1, 0, 1), NCL_ALL_AXES, 0)));
  sink->add(sink, "sample_mean_x2", read1(host, api->reduce(host, NCL_REDUCE_MEAN, api->slice(host, x, 1, 1, 2), NCL_ALL_AXES, 0)));
  /* min, max, pow and the finite mask on known values. */
  int64_t three[1] = {3};
  const double a[3] = {1, 4, -2}, b[3] = {2, 3, -5};
  ncl_tensor_t *ta = api->tensor(host, a, three, 1), *tb = api->tensor(host, b, three, 1);
  sink->add(sink, "sum_min", read1(host, api->reduce(host, NCL_REDUCE_SUM, api->binary(host, NCL_OP_MINIMUM, ta, tb), NCL_ALL_AXES, 0)));
  sink->add(sink, "sum_max", read1(host, api->reduce(host, NCL_REDUCE_SUM, api->binary(host, NCL_OP_MAXIMUM, ta, tb), NCL_ALL_AXES, 0)));
  sink->add(sink, "two_pow_three", read1(host, api->binary(host, NCL_OP_POWER, api->full(host, 2, NULL, 0), api->full(host, 3, NULL, 0))));
  ncl_tensor_t *logs = api->unary(host, NCL_OP_LOG, ta); /* log(-2) = NaN */
  sink->add(sink, "finite_count", read1(host, api->reduce(host, NCL_REDUCE_SUM, api->unary(host, NCL_OP_IS_FINITE, logs), NCL_ALL_AXES, 0)));
  /* Paths at requested times, along the problem's noise (NULL) and along the ODE. */
  int64_t x0shape[2] = {256, 1};
  ncl_tensor_t *x0 = api->sample(host, api->full(host, 0, x0shape, 2));
  const double times[3] = {0, 5, 10};
  ncl_tensor_t *sde = api->integrate_path(host, x0, times, 3, 60, NULL);
  ncl_noise_t ode = {sizeof(ncl_noise_t), NCL_NOISE_CONSTANT, 0, 0};
  ncl_tensor_t *ode_path = api->integrate_path(host, x0, times, 3, 60, &ode);
  int64_t rank_shape[4] = {0};
  sink->add(sink, "path_rank", (double)api->shape(host, sde, rank_shape, 4));
  sink->add(sink, "path_times", (double)rank_shape[0]);
  ncl_tensor_t *ends[2] = {api->slice(host, sde, 0, 2, 3), api->slice(host, ode_path, 0, 2, 3)};
  sink->add(sink, "sde_end_mean_x1", read1(host, api->reduce(host, NCL_REDUCE_MEAN, api->slice(host, ends[0], 2, 0, 1), NCL_ALL_AXES, 0)));
  sink->add(sink, "ode_end_mean_x1", read1(host, api->reduce(host, NCL_REDUCE_MEAN, api->slice(host, ends[1], 2, 0, 1), NCL_ALL_AXES, 0)));
  /* A long loop in scopes: each batch's handles are released when its scope closes. */
  double total = 0;
  ncl_tensor_t *released = NULL;
  for (int k = 0; k < 40; k++) {
    int64_t mark = api->open_scope(host);
    ncl_tensor_t *m = api->reduce(host, NCL_REDUCE_MEAN, api->field(host, NCL_FIELD_LOG_DENSITY, api->full(host, 5, tshape, 2), data_points(host, 512)), NCL_ALL_AXES, 0);
    total += read1(host, m);
    released = m;
    api->close_scope(host, mark);
  }
  sink->add(sink, "scoped_mean_log_density", total / 40);
  if (strcmp(s->mode, "stale_scope") == 0 && api->unary(host, NCL_OP_EXP, released) == NULL) return fail(host, err, err_cap);
  if (api->last_error(host) != NULL) return fail(host, err, err_cap);
  return NCL_OK;
}

static void destroy(ncl_objective_t *self) {
  free(self->ctx);
  free(self);
}

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *p, ncl_objective_t **out, char *err, size_t err_cap) {
  if (!NCL_HAS_MEMBER(host, ncl_host_t, plugin_path) || host->plugin_path == NULL) {
    snprintf(err, err_cap, "the host did not say where this library is");
    return NCL_ERROR_UNSUPPORTED;
  }
  snprintf(plugin_path, sizeof plugin_path, "%s", host->plugin_path);
  state_t *s = calloc(1, sizeof *s);
  ncl_objective_t *o = calloc(1, sizeof *o);
  snprintf(s->mode, sizeof s->mode, "%s", p->values[P_MODE].text);
  s->problem = (ncl_problem_t){.struct_size = sizeof(ncl_problem_t), .dimension = 2, .time_start = 0, .time_end = 10,
                               .noise_kind = NCL_NOISE_CONSTANT, .noise_start = 0.3, .components = 3, .hidden_width = 16,
                               .hidden_layers = 1, .batch_size = B, .data_shift = shift, .data_scale = scale};
  s->cost = (ncl_function_def_t){.struct_size = sizeof(ncl_function_def_t), .name = "user_cost", .user_data = s,
                                 .forward = cost_forward, .vjp = cost_vjp};
  o->struct_size = sizeof *o;
  o->ctx = s;
  o->problem = &s->problem;
  o->loss = loss;
  o->evaluate = evaluate;
  o->destroy = destroy;
  *out = o;
  return NCL_OK;
}

/* Exported functions: the library's own path, and a square root that reports bad input. */
EXPORT const char *features_plugin_path(void) { return plugin_path; }

EXPORT double features_checked_sqrt(double x, char *err, size_t err_cap) {
  if (x < 0) {
    snprintf(err, err_cap, "checked_sqrt: %g is negative", x);
    return 0;
  }
  return sqrt(x);
}

static const ncl_function_info_t functions[] = {
  {sizeof(ncl_function_info_t), "plugin_path", "features_plugin_path", "s()", "the path create() was told"},
  {sizeof(ncl_function_info_t), "checked_sqrt", "features_checked_sqrt", "d(de)", "sqrt(x), an error for x < 0"},
};

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT,
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.features-1-2",
  .name = "Features12",
  .version = "1.2.0",
  .description = "Test fixture: every ABI 1.2 addition",
  .param_count = P_COUNT,
  .params = params,
  .function_count = 2,
  .functions = functions,
  .create = create,
};

EXPORT const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }
