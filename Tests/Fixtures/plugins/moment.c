/* moment.c: a test plugin whose loss is E_{t, x ~ rho_t} |x|^2 with t uniform over the horizon, by
 * reparameterized samples (ABI 1.1: sample_reparameterized) or by the score function with a
 * leave-one-out baseline on plain samples. f = |x|^2 does not depend on the parameters at fixed x,
 * so the whole gradient comes through the law of the samples: the two estimators must agree in
 * expectation. Not an example. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncl_plugin.h"

#define EXPORT __attribute__((visibility("default")))

enum { P_ESTIMATOR, P_HORIZON, P_BATCH, P_COUNT };

static const ncl_param_info_t params[P_COUNT] = {
  {sizeof(ncl_param_info_t), "estimator", NCL_PARAM_CHOICE, "reparameterized", 0, -1, "reparameterized|score", "gradient estimator"},
  {sizeof(ncl_param_info_t), "horizon", NCL_PARAM_FLOAT, "2", 0.1, 100, NULL, "time horizon [0, horizon]"},
  {sizeof(ncl_param_info_t), "batch", NCL_PARAM_INT, "512", 2, 1000000, NULL, "samples per step"},
};

typedef struct {
  int reparameterized;
  double horizon;
  int64_t batch;
  ncl_problem_t problem;
} state_t;

static ncl_status_t loss(const ncl_objective_t *self, const ncl_host_t *host, const ncl_step_info_t *step,
                         ncl_tensor_t **out, char *err, size_t err_cap) {
  (void)step;
  const state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  int64_t shape[2] = {s->batch, 1};
  ncl_tensor_t *t = api->uniform(host, shape, 2, 0, s->horizon);
  ncl_tensor_t *total;
  if (s->reparameterized) {
    /* The documented check: a 1.0 host's table ends before this member. */
    if (api->struct_size < offsetof(ncl_host_api_t, sample_reparameterized) + sizeof(void *)) {
      snprintf(err, err_cap, "the host has no sample_reparameterized (ABI 1.1)");
      return NCL_ERROR_UNSUPPORTED;
    }
    ncl_tensor_t *x = api->sample_reparameterized(host, t);
    total = api->reduce(host, NCL_REDUCE_MEAN, api->reduce(host, NCL_REDUCE_SUM, api->unary(host, NCL_OP_SQUARE, x), 1, 0), NCL_ALL_AXES, 0);
  } else {
    ncl_tensor_t *x = api->sample(host, t);
    ncl_tensor_t *f = api->reduce(host, NCL_REDUCE_SUM, api->unary(host, NCL_OP_SQUARE, x), 1, 0);
    ncl_tensor_t *log_rho = api->field(host, NCL_FIELD_LOG_DENSITY, t, x);
    double n = (double)s->batch;
    /* b_i = (sum f - f_i) / (n - 1); f - b = (n f - sum f) / (n - 1). */
    ncl_tensor_t *centered = api->affine(host, api->binary(host, NCL_OP_SUBTRACT, api->affine(host, f, n, 0),
                                                           api->reduce(host, NCL_REDUCE_SUM, f, NCL_ALL_AXES, 0)), 1 / (n - 1), 0);
    ncl_tensor_t *score = api->binary(host, NCL_OP_MULTIPLY, centered,
                                      api->binary(host, NCL_OP_SUBTRACT, log_rho, api->detach(host, log_rho)));
    total = api->binary(host, NCL_OP_ADD, api->reduce(host, NCL_REDUCE_MEAN, f, NCL_ALL_AXES, 0),
                        api->reduce(host, NCL_REDUCE_MEAN, score, NCL_ALL_AXES, 0));
  }
  api->report(host, "moment", total);
  *out = total;
  if (*out == NULL) {
    snprintf(err, err_cap, "%s", api->last_error(host));
    return NCL_ERROR_INTERNAL;
  }
  return NCL_OK;
}

static void destroy(ncl_objective_t *self) {
  free(self->ctx);
  free(self);
}

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *p, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host;
  (void)err;
  (void)err_cap;
  state_t *s = calloc(1, sizeof *s);
  ncl_objective_t *o = calloc(1, sizeof *o);
  s->reparameterized = strcmp(p->values[P_ESTIMATOR].text, "reparameterized") == 0;
  s->horizon = p->values[P_HORIZON].number;
  s->batch = (int64_t)p->values[P_BATCH].number;
  s->problem = (ncl_problem_t){.struct_size = sizeof(ncl_problem_t), .dimension = 2, .components = 3,
                               .time_end = s->horizon, .hidden_width = 16, .hidden_layers = 1,
                               .flux = NCL_FLUX_TELESCOPING, .batch_size = (uint32_t)s->batch};
  o->struct_size = sizeof *o;
  o->ctx = s;
  o->problem = &s->problem;
  o->loss = loss;
  o->destroy = destroy;
  *out = o;
  return NCL_OK;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT,
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.moment",
  .name = "Moment",
  .version = "0.0.1",
  .description = "Test fixture: E|x|^2 under the model by reparameterized samples or the score function",
  .param_count = P_COUNT,
  .params = params,
  .create = create,
};

EXPORT const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }
