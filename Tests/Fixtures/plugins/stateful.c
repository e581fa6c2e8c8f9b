/* stateful.c: a test plugin that keeps state across steps through the extension ncl.state/1. Its
 * state is the number of loss calls so far; the loss is E|x|^2 on a few samples and reports
 * "calls". save writes the count (8 bytes), load checks the size and restores it. Not an example. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncl_plugin.h"

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  uint64_t calls;
  ncl_problem_t problem;
} state_t;

static ncl_status_t loss(const ncl_objective_t *self, const ncl_host_t *host, const ncl_step_info_t *step,
                         ncl_tensor_t **out, char *err, size_t err_cap) {
  (void)step;
  state_t *s = self->ctx;
  const ncl_host_api_t *api = host->api;
  s->calls += 1;
  int64_t shape[2] = {8, 1};
  ncl_tensor_t *x = api->sample(host, api->uniform(host, shape, 2, 0, 1));
  *out = api->reduce(host, NCL_REDUCE_MEAN, api->unary(host, NCL_OP_SQUARE, x), NCL_ALL_AXES, 0);
  api->report(host, "calls", api->full(host, (double)s->calls, NULL, 0));
  if (*out == NULL) {
    snprintf(err, err_cap, "%s", api->last_error(host));
    return NCL_ERROR_INTERNAL;
  }
  return NCL_OK;
}

static ncl_status_t save(const ncl_objective_t *self, const ncl_state_writer_t *writer, char *err, size_t err_cap) {
  (void)err;
  (void)err_cap;
  const state_t *s = self->ctx;
  writer->write(writer, &s->calls, sizeof s->calls);
  return NCL_OK;
}

static ncl_status_t load(const ncl_objective_t *self, const void *bytes, size_t size, char *err, size_t err_cap) {
  state_t *s = self->ctx;
  if (size != sizeof s->calls) {
    snprintf(err, err_cap, "stateful: the saved state has %zu bytes, expected %zu", size, sizeof s->calls);
    return NCL_ERROR_INVALID_ARGUMENT;
  }
  memcpy(&s->calls, bytes, sizeof s->calls);
  return NCL_OK;
}

static const ncl_state_extension_t state_extension = {sizeof(ncl_state_extension_t), save, load};

static const void *get_extension(const ncl_objective_t *self, const char *id) {
  (void)self;
  return strcmp(id, NCL_EXTENSION_STATE) == 0 ? &state_extension : NULL;
}

static void destroy(ncl_objective_t *self) {
  free(self->ctx);
  free(self);
}

static ncl_status_t create(const ncl_host_t *host, const ncl_params_t *p, ncl_objective_t **out, char *err, size_t err_cap) {
  (void)host;
  (void)p;
  (void)err;
  (void)err_cap;
  state_t *s = calloc(1, sizeof *s);
  ncl_objective_t *o = calloc(1, sizeof *o);
  s->problem = (ncl_problem_t){.struct_size = sizeof(ncl_problem_t), .dimension = 2, .components = 2,
                               .time_end = 1, .hidden_width = 8, .hidden_layers = 1,
                               .flux = NCL_FLUX_TELESCOPING, .batch_size = 8};
  o->struct_size = sizeof *o;
  o->ctx = s;
  o->problem = &s->problem;
  o->loss = loss;
  o->get_extension = get_extension;
  o->destroy = destroy;
  *out = o;
  return NCL_OK;
}

static const ncl_plugin_descriptor_t descriptor = {
  .abi_version = NCL_VERSION_INIT,
  .struct_size = sizeof(ncl_plugin_descriptor_t),
  .id = "org.ncl.tests.stateful",
  .name = "Stateful",
  .version = "0.0.1",
  .description = "Test fixture: a loss-call counter kept in checkpoints through ncl.state/1",
  .create = create,
};

EXPORT const ncl_plugin_descriptor_t *ncl_plugin_entry(void) { return &descriptor; }
