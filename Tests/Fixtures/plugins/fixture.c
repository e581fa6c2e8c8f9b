/* fixture.c: a test plugin whose behaviour is chosen by parameters, to exercise the host's error
 * paths (bad data, crashes, NaN losses, bad handles) through the real dlopen path. Not an example.
 * It uses ABI 1.0 only, so the tests also build it against every frozen released header. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncl_plugin.h"

#define EXPORT __attribute__((visibility("default")))

enum { P_MODE, P_DATA, P_SCALE, P_HORIZON, P_COUNT };

static const ncl_param_info_t params[P_COUNT] = {
  {sizeof(ncl_param_info_t), "mode", NCL_PARAM_CHOICE, "ok", 0, -1, "ok|crash|nan|stale_handle|fail_create|crash_create|crash_evaluate|crash_rank1|nan_rank1|suggest", "behaviour under test"},
  {sizeof(ncl_param_info_t), "data", NCL_PARAM_PATH, "", 0, -1, NULL, "optional file of numbers, one per line"},
  {sizeof(ncl_param_info_t), "scale", NCL_PARAM_FLOAT, "1", 0.1, 10, NULL, "standard deviation of the target"},
  {sizeof(ncl_param_info_t), "horizon", NCL_PARAM_FLOAT, "0", 0, 1000, NULL, "time horizon [0, horizon] (0: the default [0, 1])"},
};

typedef struct {
  char mode[32];
  double scale;
  double data_mean;
  ncl_problem_t problem;
  ncl_tensor_t *kept; /* for stale_handle: a handle kept across calls (a bug the host must catch) */
} state_t;

/* A real invalid access, as a buggy plugin would make (through a volatile pointer, so that the
 * compiler cannot prove it NULL and drop the paths that lead here). */
static int *volatile nowhere = NULL;
static void crash(void) { *nowhere = 1; }

/* Under Open MPI's mpirun: whether this process is rank 1 (the *_rank1 modes fail there only). */
static int is_rank1(void) {
  const char *rank = getenv("OMPI_COMM_WORLD_RANK");
  return rank != NULL && strcmp(rank, "1") == 0;
}

static ncl_status_t loss(const ncl_objective_t *self, const ncl_host_t *host, const ncl_step_info_t *step,
                         ncl_tensor_t **out, char *err, size_t err_cap) {
  state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  if (strcmp(s->mode, "crash") == 0 && step->step == 3) crash();
  if (strcmp(s->mode, "crash_rank1") == 0 && step->step == 3 && is_rank1()) crash();
  if (strcmp(s->mode, "stale_handle") == 0 && s->kept != NULL) {
    *out = api->unary(host, NCL_OP_EXP, s->kept);
    if (*out == NULL) {
      snprintf(err, err_cap, "%s", api->last_error(host));
      return NCL_ERROR_INTERNAL;
    }
    return NCL_OK;
  }
  int64_t shape[2] = {64, 1};
  ncl_tensor_t *x = api->normal(host, shape, 2, s->data_mean, s->scale);
  ncl_tensor_t *t = api->uniform(host, shape, 2, 0, 1);
  ncl_tensor_t *nll = api->affine(host, api->reduce(host, NCL_REDUCE_MEAN, api->field(host, NCL_FIELD_LOG_DENSITY, t, x), NCL_ALL_AXES, 0), -1, 0);
  if (strcmp(s->mode, "nan") == 0 && step->step >= 4) nll = api->affine(host, nll, NAN, 0);
  if (strcmp(s->mode, "nan_rank1") == 0 && step->step >= 4 && is_rank1()) nll = api->affine(host, nll, NAN, 0);
  if (strcmp(s->mode, "stale_handle") == 0) s->kept = nll;
  api->report(host, "nll", nll);
  api->report(host, "total_steps", api->full(host, (double)step->total_steps, NULL, 0));
  *out = nll;
  if (*out == NULL) {
    snprintf(err, err_cap, "%s", api->last_error(host));
    return NCL_ERROR_INTERNAL;
  }
  return NCL_OK;
}

static ncl_status_t evaluate(const ncl_objective_t *self, const ncl_host_t *host, const ncl_metric_sink_t *sink, char *err, size_t err_cap) {
  (void)err;
  (void)err_cap;
  const state_t *s = self->ctx;
  if (strcmp(s->mode, "crash_evaluate") == 0) crash();
  int64_t shape[2] = {256, 1};
  ncl_tensor_t *x = host->api->normal(host, shape, 2, s->data_mean, s->scale);
  ncl_tensor_t *m = host->api->reduce(host, NCL_REDUCE_MEAN, host->api->field(host, NCL_FIELD_LOG_DENSITY, host->api->full(host, 0.5, NULL, 0), x), NCL_ALL_AXES, 0);
  double value = 0;
  host->api->read(host, m, &value, 1);
  sink->add(sink, "nll", -value);
  return NCL_OK;
}

static void destroy(ncl_objective_t *self) {
  free(self->ctx);
  free(self);
}

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *p, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host;
  if (strcmp(p->values[P_MODE].text, "fail_create") == 0) {
    snprintf(err, err_cap, "refusing to start, as asked (mode=fail_create)");
    return NCL_ERROR_INVALID_ARGUMENT;
  }
  if (strcmp(p->values[P_MODE].text, "crash_create") == 0) crash();
  double mean = 0;
  const char *path = p->values[P_DATA].text;
  if (path[0] != '\0') {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
      snprintf(err, err_cap, "%s: cannot open", path);
      return NCL_ERROR_DATA;
    }
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
      char *end = NULL;
      double v = strtod(line, &end);
      if (end == line || (*end != '\n' && *end != '\0')) {
        fclose(f);
        snprintf(err, err_cap, "%s:%d: '%.*s' is not a number", path, n + 1, (int)strcspn(line, "\n"), line);
        return NCL_ERROR_DATA;
      }
      mean += v;
      n++;
    }
    fclose(f);
    mean = n > 0 ? mean / n : 0;
  }
  state_t *s = calloc(1, sizeof *s);
  ncl_objective_t *o = calloc(1, sizeof *o);
  snprintf(s->mode, sizeof s->mode, "%s", p->values[P_MODE].text);
  s->scale = p->values[P_SCALE].number;
  s->data_mean = mean;
  s->problem = (ncl_problem_t){.struct_size = sizeof(ncl_problem_t), .dimension = 1, .components = 2,
                               .time_end = p->values[P_HORIZON].number, .noise_start = 0.5,
                               .hidden_width = 8, .hidden_layers = 1, .batch_size = 64};
#if NCL_ABI_VERSION_MINOR >= 3
  if (strcmp(s->mode, "suggest") == 0) {
    s->problem.suggested_steps = 7;
    s->problem.suggested_learning_rate = 0.02;
    s->problem.suggested_schedule = NCL_SCHEDULE_COSINE;
  }
#endif
  o->struct_size = sizeof *o;
  o->ctx = s;
  o->problem = &s->problem;
  o->loss = loss;
  o->evaluate = evaluate;
  o->destroy = destroy;
  *out = o;
  return NCL_OK;
}

EXPORT double fixture_add(double a, double b) { return a + b; }

/* nclhost call Fixture crash 1: crashes in an extra function. */
EXPORT double fixture_crash(double x) {
  crash();
  return x;
}

static const ncl_function_info_t functions[] = {
  {sizeof(ncl_function_info_t), "add", "fixture_add", "d(dd)", "a + b"},
  {sizeof(ncl_function_info_t), "crash", "fixture_crash", "d(d)", "crashes (dereferences NULL), for --isolate"},
};

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT,
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.fixture",
  .name = "Fixture",
  .version = "0.0.1",
  .description = "Test fixture: fits N(mean of data, scale^2), misbehaves on request",
  .param_count = P_COUNT,
  .params = params,
  .function_count = 2,
  .functions = functions,
  .create = create,
};

EXPORT const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }
