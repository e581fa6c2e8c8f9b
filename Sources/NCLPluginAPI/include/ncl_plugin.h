/*
 * ncl_plugin.h: the NCL plugin ABI.
 *
 * A plugin is a shared library that exports one symbol, ncl_plugin_entry, returning a static
 * descriptor. The host (nclhost) reads the descriptor to list the plugin and its parameters,
 * calls create() with the user's parameter values, and then, once per training step, asks the
 * objective for a scalar loss that the plugin builds from the host's differentiable operations
 * (ncl_host_api_t) on opaque tensor handles. The host differentiates the loss and updates the
 * shared NCL model; the plugin never sees parameters or gradients.
 *
 * Call tags:
 *   [load]        may be called while the host only lists plugins: no training, no big buffers
 *   [create]      during create(), on the host's main thread
 *   [train-step]  during objective->loss(), on the host's main thread
 *   [eval]        during objective->evaluate(), on the host's main thread
 *   [any]         at any time, from any thread
 *
 * Ownership: every string and array in a descriptor is owned by the plugin and must stay valid
 * for the life of the process (static storage is the norm). Tensor handles returned by the host
 * belong to the host's per-call arena: they are valid until the call into the plugin that
 * received them returns; never free them and never keep them across calls. Error messages are
 * written into the caller's buffer (err, err_cap), UTF-8, always NUL-terminated, truncated to fit.
 *
 * Evolution (how to change this file, and what each side promises):
 *   - Structs only ever grow, by appending members at the end under a banner like
 *     "ABI 1.2 and later". Never reorder, retype or remove a member.
 *   - Every struct that crosses the boundary carries struct_size (the descriptor also
 *     abi_version), so each side can tell which members the other knows.
 *   - Reading a struct the plugin filled (descriptor, ncl_param_info_t, ncl_function_info_t,
 *     ncl_objective_t, ncl_problem_t), the host accepts any struct_size from that struct's ABI 1.0
 *     size (NCL_*_SIZE_1_0 below) up: it copies min(struct_size, its own sizeof) bytes into a
 *     zeroed copy, never reads past struct_size, and gives every member the plugin did not know
 *     the default documented beside it (zero unless stated). Arrays of structs are stepped by the
 *     first element's struct_size. A struct smaller than its 1.0 size is refused with a message.
 *   - Reading a struct the host filled (ncl_host_t, ncl_host_api_t, ncl_step_info_t), a plugin
 *     checks struct_size before touching a member appended after 1.0, eg:
 *       NCL_HAS_MEMBER(host->api, ncl_host_api_t, compare)
 *   - New enumeration values get new numbers; a host that does not know one fails the operation
 *     with a message ("unknown op"). host->abi_version tells a plugin what the host knows.
 *   - A change that cannot be expressed that way needs a new major version; the host rejects
 *     plugins whose major version differs.
 *   - Frozen copies of every released header (Tests/Fixtures/abi/) build test plugins that the
 *     current host must load, train, evaluate and call; growth that would strand them fails a test.
 *   - Each change is listed in CHANGELOG.md with a one-line reason.
 *
 * Rationale: the layout copies CLAP (versioned, append-only structs, a single entry symbol,
 * get_extension for optional capabilities) and SQLite's loadable extensions (a host routine table
 * handed to each instance instead of global symbols), so a plugin compiled against ABI 1.0 keeps
 * loading into every later 1.x host, and plugins can be written in C or any language with a C FFI.
 */
#ifndef NCL_PLUGIN_H
#define NCL_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------------------------- */

#define NCL_ABI_VERSION_MAJOR 1
#define NCL_ABI_VERSION_MINOR 3
#define NCL_ABI_VERSION_REVISION 0

typedef struct ncl_version {
  uint32_t major;
  uint32_t minor;
  uint32_t revision;
} ncl_version_t;

#define NCL_VERSION_INIT {NCL_ABI_VERSION_MAJOR, NCL_ABI_VERSION_MINOR, NCL_ABI_VERSION_REVISION}

/* A plugin built against version v loads into this host when the majors agree. */
static inline int ncl_version_is_compatible(ncl_version_t v) { return v.major == NCL_ABI_VERSION_MAJOR; }

/* Whether a struct the other side filled, at `pointer`, is large enough to hold `member`. */
#define NCL_HAS_MEMBER(pointer, type, member) \
  ((pointer)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))

/* ---------------------------------------------------------------------------------------------
 * Status codes and sizes
 * ------------------------------------------------------------------------------------------- */

typedef int32_t ncl_status_t;
#define NCL_OK 0
#define NCL_ERROR_INVALID_ARGUMENT 1 /* a parameter or an argument is out of range */
#define NCL_ERROR_DATA 2             /* a data file is missing or malformed */
#define NCL_ERROR_NUMERIC 3          /* NaN or infinity where a finite value is needed */
#define NCL_ERROR_UNSUPPORTED 4      /* the host or plugin lacks the capability asked for */
#define NCL_ERROR_INTERNAL 5         /* anything else; the message says what */

/* Capacity of names (parameter, metric, function names), NUL included. */
#define NCL_NAME_SIZE 64
/* Capacity of the error buffers the host passes to plugins. */
#define NCL_MESSAGE_SIZE 1024

/* Marks a reduction over all axes. */
#define NCL_ALL_AXES (-1000)

/* ---------------------------------------------------------------------------------------------
 * Parameters a plugin declares ([load]) and the values it receives ([create])
 * ------------------------------------------------------------------------------------------- */

typedef uint32_t ncl_param_type_t;
#define NCL_PARAM_FLOAT 0  /* a real number */
#define NCL_PARAM_INT 1    /* an integer, exact up to 2^53 */
#define NCL_PARAM_BOOL 2   /* true/false, yes/no, 1/0 */
#define NCL_PARAM_STRING 3 /* free text */
#define NCL_PARAM_CHOICE 4 /* one of `choices` */
#define NCL_PARAM_PATH 5   /* a file path; the host makes it absolute and checks that it exists */

typedef struct ncl_param_info {
  uint32_t struct_size;        /* mandatory: sizeof(ncl_param_info_t); the host steps through the
                                  array by the first element's struct_size */
  const char *name;            /* mandatory, eg: "kinetic_weight" ([a-z0-9_.], < NCL_NAME_SIZE) */
  ncl_param_type_t type;       /* mandatory */
  const char *default_value;   /* mandatory, as the user would type it, eg: "1.0", "exact" */
  double min_value;            /* FLOAT and INT: inclusive bounds; no bounds when min > max */
  double max_value;
  const char *choices;         /* CHOICE: '|'-separated, eg: "exact|score|importance"; else NULL */
  const char *help;            /* mandatory, one line, eg: "weight of the kinetic energy term" */
} ncl_param_info_t;

/* The ABI 1.0 size of ncl_param_info_t: the smallest the host accepts. */
#define NCL_PARAM_INFO_SIZE_1_0 (offsetof(ncl_param_info_t, help) + sizeof(const char *))

/* One value per declared parameter, in declaration order, already parsed and range-checked. */
typedef struct ncl_param_value {
  const char *name;      /* the declared name */
  ncl_param_type_t type; /* the declared type */
  double number;         /* FLOAT, INT, BOOL (0 or 1) */
  const char *text;      /* every type: the value as text (STRING, CHOICE, PATH: the value itself) */
} ncl_param_value_t;

typedef struct ncl_params {
  uint32_t struct_size;            /* sizeof(ncl_params_t) */
  uint32_t count;                  /* == the descriptor's param_count */
  const ncl_param_value_t *values; /* valid during create() only: copy what you keep */
} ncl_params_t;

/* ---------------------------------------------------------------------------------------------
 * The problem an objective poses ([create]): dimension, horizon, noise, suggested model
 * ------------------------------------------------------------------------------------------- */

typedef uint32_t ncl_noise_kind_t;
#define NCL_NOISE_CONSTANT 0 /* g = noise_start */
#define NCL_NOISE_LINEAR 1   /* g linear from noise_start at time_start to noise_end at time_end */

typedef uint32_t ncl_flux_kind_t;
#define NCL_FLUX_TELESCOPING 0      /* default; scale flux_tau */
#define NCL_FLUX_NAIVE 1            /* ablation: spurious flux along x_D */
#define NCL_FLUX_KNOTHE_ROSENBLATT 2
#define NCL_FLUX_FACTORIZED 3

/* ABI 1.3: learning-rate schedules a problem may suggest. */
typedef uint32_t ncl_schedule_kind_t;
#define NCL_SCHEDULE_DEFAULT 0  /* the host's (constant) */
#define NCL_SCHEDULE_CONSTANT 1
#define NCL_SCHEDULE_COSINE 2   /* cosine decay to 1% of the rate over the run */

typedef struct ncl_problem {
  uint32_t struct_size;        /* mandatory: sizeof(ncl_problem_t) */
  uint32_t dimension;          /* mandatory: D >= 1 */
  /* The time horizon [time_start, time_end] in the plugin's own units (eg: days); both 0 means
   * [0, 1]. Every time the plugin passes or receives is in these units: the host maps them onto
   * the model's [0, 1] and scales time derivatives, velocities, fluxes and drifts to match. */
  double time_start;
  double time_end;
  ncl_noise_kind_t noise_kind; /* the g of the SDE whose drift the objective uses, in the plugin's time */
  double noise_start;          /* g at time_start */
  double noise_end;            /* g at time_end (LINEAR) */
  /* Suggested model; the user may override each with nclhost options. 0 = host default. */
  uint32_t components;         /* K logistics per coordinate, eg: 16 */
  uint32_t hidden_width;       /* eg: 128 */
  uint32_t hidden_layers;      /* eg: 3 */
  ncl_flux_kind_t flux;
  double flux_tau;             /* telescoping scale; 0 = 1 */
  uint32_t divergence_free;    /* 1: add the learned divergence-free term (needs D >= 2) */
  /* Advisory: the number of points per expectation the plugin draws each step, eg: 256. The host
   * draws no batches itself (the plugin does, through the routine table); nclhost shows this
   * value in the run's banner. */
  uint32_t batch_size;

  /* ABI 1.2 and later: append new members below this line. */

  /* The data map: an affine map between the plugin's data units (eg: longitude and latitude) and
   * the model's standard coordinates, z_i = (x_i - data_shift[i]) / data_scale[i]. Every point,
   * sample, density, score, velocity, drift and flux that crosses the boundary, and every one a
   * user sees through nclhost, is in data units: the host maps points in and out and corrects
   * log-densities by -sum_i log data_scale[i]. Arrays of `dimension` doubles owned by the plugin,
   * valid until destroy(); data_scale[i] > 0 and finite. NULL (and before 1.2): shift 0, scale 1.
   * Rationale: standardizing data helps the network train, but a user asks for densities and
   * samples in the data's own units; one declared map keeps both and goes into the checkpoint. */
  const double *data_shift;
  const double *data_scale;

  /* ABI 1.3 and later: append new members below this line. */

  /* A suggested training run, used for each of the run's length, learning rate and schedule that
   * the user does not give (nclhost run and sweep: --steps, --learning-rate, --schedule). 0 (and
   * before 1.3): the host's default, 2000 steps at 1e-3, constant. Rationale: how long and how
   * fast a problem trains is part of the problem; without it a default run of an objective that
   * needs 12 000 cosine steps stops a sixth of the way. suggested_learning_rate must be finite. */
  uint32_t suggested_steps;
  double suggested_learning_rate;
  ncl_schedule_kind_t suggested_schedule;
} ncl_problem_t;

/* The ABI 1.0 size of ncl_problem_t (through batch_size): the smallest the host accepts. */
#define NCL_PROBLEM_SIZE_1_0 (offsetof(ncl_problem_t, batch_size) + sizeof(uint32_t))

/* ---------------------------------------------------------------------------------------------
 * The host: a routine table handed to every instance
 * ------------------------------------------------------------------------------------------- */

/* An opaque tensor handle owned by the host's per-call arena (see Ownership above). Values are
 * Float32 during training; data crosses the boundary as double. Shapes are row-major. */
typedef struct ncl_tensor ncl_tensor_t;

struct ncl_host;

/* Model fields, for ncl_host_api_t.field. Shapes for t [B, 1] and x [B, D]; times, rates and
 * velocities in the units of the problem's horizon. */
typedef uint32_t ncl_field_t;
#define NCL_FIELD_LOG_DENSITY 0          /* log rho_t(x), [B] */
#define NCL_FIELD_LOG_CONDITIONALS 1     /* log f_t(x_i | x_<i), [B, D] */
#define NCL_FIELD_CDF 2                  /* F_t(x_i | x_<i), [B, D] */
#define NCL_FIELD_TIME_DERIVATIVE 3      /* d_t log rho_t(x), [B] */
#define NCL_FIELD_SCORE 4                /* grad_x log rho_t(x), [B, D] */
#define NCL_FIELD_VELOCITY 5             /* j / rho, the probability-flow velocity (g = 0), [B, D] */
#define NCL_FIELD_DRIFT 6                /* j / rho + (g^2 / 2) score for the problem's g_t, [B, D] */
#define NCL_FIELD_FLUX 7                 /* j = rho * velocity, [B, D] */
#define NCL_FIELD_DIVERGENCE_FREE 8      /* b / rho of the learned divergence-free term, [B, D] */

typedef uint32_t ncl_unary_op_t;
#define NCL_OP_NEGATE 0
#define NCL_OP_EXP 1
#define NCL_OP_LOG 2
#define NCL_OP_LOG1P 3
#define NCL_OP_SQUARE 4
#define NCL_OP_SQRT 5
#define NCL_OP_RECIPROCAL 6
#define NCL_OP_SIGMOID 7
#define NCL_OP_SOFTPLUS 8
#define NCL_OP_TANH 9
#define NCL_OP_ABS 10
#define NCL_OP_SIN 11
#define NCL_OP_COS 12
/* ABI 1.2 and later */
#define NCL_OP_IS_FINITE 13 /* 1 where x is finite, 0 at NaN and +-inf; a constant (no gradient) */

typedef uint32_t ncl_binary_op_t;
#define NCL_OP_ADD 0 /* broadcasting, NumPy rules */
#define NCL_OP_SUBTRACT 1
#define NCL_OP_MULTIPLY 2
#define NCL_OP_DIVIDE 3
/* ABI 1.2 and later */
#define NCL_OP_MINIMUM 4 /* elementwise; at ties the gradient goes to a */
#define NCL_OP_MAXIMUM 5 /* elementwise; at ties the gradient goes to a */
#define NCL_OP_POWER 6   /* a^b; a > 0 unless b holds integers; d/db = log(a) a^b */

/* Comparisons, for ncl_host_api_t.compare (ABI 1.2): 1 where `a OP b` holds, else 0. */
typedef uint32_t ncl_compare_op_t;
#define NCL_COMPARE_LESS 0
#define NCL_COMPARE_LESS_EQUAL 1
#define NCL_COMPARE_GREATER 2
#define NCL_COMPARE_GREATER_EQUAL 3
#define NCL_COMPARE_EQUAL 4
#define NCL_COMPARE_NOT_EQUAL 5

typedef uint32_t ncl_reduce_op_t;
#define NCL_REDUCE_SUM 0
#define NCL_REDUCE_MEAN 1
#define NCL_REDUCE_LOGSUMEXP 2

typedef uint32_t ncl_log_level_t;
#define NCL_LOG_DEBUG 0
#define NCL_LOG_INFO 1
#define NCL_LOG_WARNING 2

/* A noise schedule g(t) (ABI 1.2), eg: for integrate_path; kinds and units as in ncl_problem_t. */
typedef struct ncl_noise {
  uint32_t struct_size; /* sizeof(ncl_noise_t) */
  ncl_noise_kind_t kind;
  double start;         /* g at the horizon's start (CONSTANT: everywhere) */
  double end;           /* g at the horizon's end (LINEAR) */
} ncl_noise_t;

/* A dense array of doubles crossing the boundary (ABI 1.2): row-major, count = prod(shape). */
typedef struct ncl_array {
  double *data;
  const int64_t *shape;
  int32_t rank;
  int64_t count;
} ncl_array_t;

/*
 * A plugin-defined differentiable function (ABI 1.2), applied with ncl_host_api_t.apply_function.
 * Lets a plugin's own code (eg: a user's drift b(x) or cost f(x) written in C) enter a loss with a
 * pathwise gradient. Owned by the plugin; must stay valid until the objective's destroy().
 *
 * Rationale: the host's operations cannot express every function a user brings; a callback with
 * its vector-Jacobian product is what autodiff systems ask of foreign code (PyTorch's
 * autograd.Function, JAX's custom_vjp). First order is what a loss gradient needs.
 */
typedef struct ncl_function_def {
  uint32_t struct_size; /* mandatory: sizeof(ncl_function_def_t) */
  const char *name;     /* mandatory, for messages, eg: "user_drift" */
  void *user_data;      /* passed back to every callback */
  /* mandatory. Writes f(inputs) into output->data (output->count doubles, shape as requested).
   * Inputs are read-only. Return NCL_OK, or a status and a message in err. */
  ncl_status_t (*forward)(void *user_data, const ncl_array_t *inputs, int32_t count, ncl_array_t *output,
                          char *err, size_t err_cap);
  /* mandatory. Vector-Jacobian product: given the inputs, the output and the gradient of a
   * scalar with respect to the output (output_gradient), writes that scalar's gradient with
   * respect to each input into input_gradients[i].data (shaped like inputs[i], zero-filled on
   * entry; leave zero an input that has no derivative). */
  ncl_status_t (*vjp)(void *user_data, const ncl_array_t *inputs, int32_t count, const ncl_array_t *output,
                      const ncl_array_t *output_gradient, ncl_array_t *input_gradients, char *err, size_t err_cap);
  /* optional (NULL: the host's jvp through this function fails, naming it). Jacobian-vector
   * product: given the inputs and one tangent per input (shaped like it), writes the output's
   * tangent into output_tangent->data (zero-filled on entry). */
  ncl_status_t (*jvp)(void *user_data, const ncl_array_t *inputs, int32_t count, const ncl_array_t *tangents,
                      ncl_array_t *output_tangent, char *err, size_t err_cap);
} ncl_function_def_t;

/*
 * Operations on tensors. Unless stated otherwise every operation:
 *   - returns a new handle, or NULL on error (bad shape, NULL input, unknown op) after recording
 *     a message that last_error() returns; an operation given a NULL input returns NULL, so a
 *     plugin may chain calls and check once at the end (the first error is kept);
 *   - is differentiable: the loss the plugin returns is differentiated through it by the host,
 *     to any order;
 *   - may be called during [train-step] and [eval].
 */
typedef struct ncl_host_api {
  uint32_t struct_size; /* sizeof(ncl_host_api_t) of the host: check before using a later member */

  /* --- messages --- */
  void (*log)(const struct ncl_host *host, ncl_log_level_t level, const char *message); /* [any] */
  /* The first error recorded during the current call into the plugin, or NULL. */
  const char *(*last_error)(const struct ncl_host *host);

  /* --- creating and reading tensors --- */
  /* A constant tensor holding a copy of `data` (row-major, shape[0] * ... elements). */
  ncl_tensor_t *(*tensor)(const struct ncl_host *host, const double *data, const int64_t *shape, int32_t rank);
  /* A constant tensor with every element equal to value; rank 0 gives a scalar. */
  ncl_tensor_t *(*full)(const struct ncl_host *host, double value, const int64_t *shape, int32_t rank);
  /* Writes up to `capacity` dimensions into shape and returns the rank, or -1 for NULL. */
  int32_t (*shape)(const struct ncl_host *host, const ncl_tensor_t *x, int64_t *shape, int32_t capacity);
  /* Copies min(count, elements) values into out; returns the number of elements of x. */
  int64_t (*read)(const struct ncl_host *host, const ncl_tensor_t *x, double *out, int64_t count);

  /* --- randomness from the host's seeded stream (reproducible, saved in checkpoints) --- */
  ncl_tensor_t *(*uniform)(const struct ncl_host *host, const int64_t *shape, int32_t rank, double low, double high);
  ncl_tensor_t *(*normal)(const struct ncl_host *host, const int64_t *shape, int32_t rank, double mean, double std);

  /* --- the model --- */
  /* A field of the model at times t ([B, 1], [B] or a scalar) and points x ([B, D]); calls with
   * the same t and x handles share one evaluation. Differentiable with respect to the model's
   * parameters (and to x when x depends on them). */
  ncl_tensor_t *(*field)(const struct ncl_host *host, ncl_field_t field, const ncl_tensor_t *t, const ncl_tensor_t *x);
  /* Exact samples of rho_t at times t [B, 1] ([B, D], constants: no gradient flows through the
   * sampler; use sample_reparameterized (ABI 1.1), or score-function or importance weights, for
   * gradients of expectations). */
  ncl_tensor_t *(*sample)(const struct ncl_host *host, const ncl_tensor_t *t);
  /* Integrates x0 [B, D] from t0 to t1 in `steps` steps along the drift for constant noise g
   * (g = 0: the probability-flow ODE by RK4; g > 0: Euler-Maruyama), times and g in the units of
   * the problem's horizon. Constant result. [eval] */
  ncl_tensor_t *(*integrate)(const struct ncl_host *host, const ncl_tensor_t *x0, double t0, double t1, int32_t steps, double g);

  /* --- arithmetic --- */
  ncl_tensor_t *(*unary)(const struct ncl_host *host, ncl_unary_op_t op, const ncl_tensor_t *x);
  ncl_tensor_t *(*binary)(const struct ncl_host *host, ncl_binary_op_t op, const ncl_tensor_t *a, const ncl_tensor_t *b);
  /* scale * x + shift */
  ncl_tensor_t *(*affine)(const struct ncl_host *host, const ncl_tensor_t *x, double scale, double shift);
  /* Reduces one axis (negative counts from the end), or every axis with NCL_ALL_AXES. */
  ncl_tensor_t *(*reduce)(const struct ncl_host *host, ncl_reduce_op_t op, const ncl_tensor_t *x, int32_t axis, int32_t keep_dimension);
  /* op(a) op(b) for rank-2 tensors. */
  ncl_tensor_t *(*matmul)(const struct ncl_host *host, const ncl_tensor_t *a, const ncl_tensor_t *b, int32_t transpose_a, int32_t transpose_b);
  ncl_tensor_t *(*clamp)(const struct ncl_host *host, const ncl_tensor_t *x, double lower, double upper);

  /* --- shapes --- */
  ncl_tensor_t *(*reshape)(const struct ncl_host *host, const ncl_tensor_t *x, const int64_t *shape, int32_t rank);
  /* Elements with index in [start, end) along axis. */
  ncl_tensor_t *(*slice)(const struct ncl_host *host, const ncl_tensor_t *x, int32_t axis, int64_t start, int64_t end);
  ncl_tensor_t *(*concatenate)(const struct ncl_host *host, const ncl_tensor_t *const *parts, int32_t count, int32_t axis);

  /* --- derivatives --- */
  /* The same values, cut from differentiation (a constant). */
  ncl_tensor_t *(*detach)(const struct ncl_host *host, const ncl_tensor_t *x);
  /* The same values as a new variable that grad and jvp can differentiate with respect to. */
  ncl_tensor_t *(*variable)(const struct ncl_host *host, const ncl_tensor_t *x);
  /* d sum(y) / d x, shaped like x; recorded, so it may appear in a loss (eg: Jacobian penalties). */
  ncl_tensor_t *(*grad)(const struct ncl_host *host, const ncl_tensor_t *y, const ncl_tensor_t *x);
  /* Directional derivative of y along `tangent` (shaped like x) at x; recorded. */
  ncl_tensor_t *(*jvp)(const struct ncl_host *host, const ncl_tensor_t *y, const ncl_tensor_t *x, const ncl_tensor_t *tangent);

  /* --- reporting --- */
  /* Logs a scalar term of the loss under `name` with this step's metrics (eg: "nll0"). [train-step] */
  void (*report)(const struct ncl_host *host, const char *name, const ncl_tensor_t *scalar);

  /* ABI 1.1 and later: append new members below this line. Check struct_size before use, eg:
   *   host->api->struct_size >= offsetof(ncl_host_api_t, sample_reparameterized) + sizeof(void *) */

  /* Exact samples of rho_t at times t [B, 1] (in the units of the problem's horizon, like sample),
   * [B, D], differentiable with respect to the model's parameters by implicit reparameterization
   * of the sampler (the derivative of x_i = F_i^-1(u_i | x_<i) at fixed uniforms u), so that
   * E_{x ~ rho_t}[f(x)] is estimated by mean(f(x)) with a pathwise gradient. Exact to first order
   * in the parameters (what a loss gradient needs); costs D extra forward passes of the model.
   * The values are those sample would return from the same random stream. [train-step] [eval] */
  ncl_tensor_t *(*sample_reparameterized)(const struct ncl_host *host, const ncl_tensor_t *t);

  /* ABI 1.2 and later: append new members below this line. Check with
   *   NCL_HAS_MEMBER(host->api, ncl_host_api_t, MEMBER) */

  /* 1 where `a op b` holds, else 0, broadcasting; a constant: comparisons carry no gradient. */
  ncl_tensor_t *(*compare)(const struct ncl_host *host, ncl_compare_op_t op, const ncl_tensor_t *a, const ncl_tensor_t *b);
  /* a where mask != 0, else b; the three broadcast together. Differentiable in a and b; the
   * gradient goes only to the chosen side, so a NaN or infinity in the side not chosen poisons
   * neither the values nor the gradient. Use it to guard a function outside its domain. */
  ncl_tensor_t *(*where)(const struct ncl_host *host, const ncl_tensor_t *mask, const ncl_tensor_t *a, const ncl_tensor_t *b);

  /* Exact samples of rho_t at times t [B, 1] ([B, D], constants, like sample) and their exact
   * log rho_t in *log_density ([B], a constant; NULL to skip), both in one sampling pass: the
   * sampler builds each conditional's law as it draws, so no second model evaluation is needed.
   * For a log-density that carries a gradient, call field(NCL_FIELD_LOG_DENSITY) at the samples.
   * Rationale: importance reweighting and evaluation need samples with their densities; a
   * separate evaluation would cost a second pass. [train-step] [eval] */
  ncl_tensor_t *(*sample_with_log_density)(const struct ncl_host *host, const ncl_tensor_t *t, ncl_tensor_t **log_density);

  /* Integrates the SDE dX = u_g(t, X) dt + g(t) dW whose marginals are the model's rho_t, from
   * states x0 [B, D] at times[0] through times[1..count-1] (monotone, in the units of the
   * horizon; times may decrease for backward integration of the ODE), and returns the states at
   * every requested time, [count, B, D] (row 0 is x0). g is the problem's noise schedule when
   * noise is NULL, else *noise (struct_size, kind, start and end as in ncl_problem_t, in the units
   * of the horizon); u_g is the model's drift for that g. `steps` equal steps over
   * [times[0], times[count - 1]], a requested time inside a step splitting it: RK4 when g = 0
   * everywhere, else Euler-Maruyama (forward in time only) with increments from the host's
   * seeded stream. Constant result. [eval]
   * [train-step] Rationale: paths for pictures, costs along simulated trajectories and checks of
   * the learned SDE against exact samples. */
  ncl_tensor_t *(*integrate_path)(const struct ncl_host *host, const ncl_tensor_t *x0, const double *times, int32_t count,
                                  int32_t steps, const struct ncl_noise *noise);

  /* Scopes: open_scope returns a mark; close_scope(mark) releases every handle made since that
   * mark (scopes nest; closing an outer scope closes the inner ones). A released handle is
   * invalid: using it fails with "invalid tensor handle". Read what you keep (read()) before
   * closing. Rationale: a long evaluate() loop (thousands of batches) would otherwise hold every
   * intermediate tensor until it returns. [train-step] [eval] */
  int64_t (*open_scope)(const struct ncl_host *host);
  void (*close_scope)(const struct ncl_host *host, int64_t mark);

  /* Plugin-defined differentiable functions (see ncl_function_def_t): the function applied to
   * `inputs` (count handles), giving a tensor of shape out_shape (rank out_rank). The host calls
   * def->forward with the inputs' values, records the call, and during differentiation calls
   * def->vjp (first order). A derivative of that derivative (a loss holding grad() of an
   * expression through the function, differentiated again) fails with an error naming the
   * function; it is never silently zero. forward() and vjp() run on the calling thread, during
   * this call and during the host's differentiation of the loss after loss() returns, so `def`
   * and def->user_data must stay valid until destroy(). [train-step] [eval] */
  ncl_tensor_t *(*apply_function)(const struct ncl_host *host, const struct ncl_function_def *def,
                                  const ncl_tensor_t *const *inputs, int32_t count, const int64_t *out_shape, int32_t out_rank);
} ncl_host_api_t;

typedef struct ncl_host {
  ncl_version_t abi_version; /* the host's ABI version */
  uint32_t struct_size;      /* sizeof(ncl_host_t) */
  const char *name;          /* eg: "nclhost" */
  const char *version;       /* eg: "0.1.0" */
  void *host_data;           /* reserved for the host; plugins must not touch it */
  const ncl_host_api_t *api; /* the routine table, valid for the life of the instance */

  /* ABI 1.2 and later: append new members below this line. */

  /* Absolute path of the plugin's own shared library, eg: to find data installed beside it.
   * Valid for the life of the instance. Rationale: CLAP hands init() the plugin's path; without
   * it a plugin must parse /proc/self/maps or dladdr itself. */
  const char *plugin_path;
} ncl_host_t;

/* ---------------------------------------------------------------------------------------------
 * The objective: one instance per run, created by the descriptor's create()
 * ------------------------------------------------------------------------------------------- */

typedef struct ncl_step_info {
  uint32_t struct_size;
  int64_t step;        /* 1-based */
  int64_t total_steps; /* the run's number of updates; 0 when unknown (a loss evaluated outside a training run) */
} ncl_step_info_t;

/* Where evaluate() puts named metrics. */
typedef struct ncl_metric_sink {
  void *sink_data; /* the host's */
  void (*add)(const struct ncl_metric_sink *sink, const char *name, double value);
} ncl_metric_sink_t;

typedef struct ncl_objective {
  uint32_t struct_size;         /* mandatory: sizeof(ncl_objective_t) */
  void *ctx;                    /* the plugin's state for this instance */
  const ncl_problem_t *problem; /* mandatory: valid until destroy() */

  /* [train-step] mandatory. Builds the scalar loss (rank 0 or one element) for one step from the
   * host's operations and stores its handle in *loss. Draw randomness from host->api->uniform /
   * normal so runs are reproducible and resumable. */
  ncl_status_t (*loss)(const struct ncl_objective *self, const ncl_host_t *host, const ncl_step_info_t *step,
                       ncl_tensor_t **loss, char *err, size_t err_cap);

  /* [eval] optional (NULL: no metrics). Adds named metrics of the current model to sink. */
  ncl_status_t (*evaluate)(const struct ncl_objective *self, const ncl_host_t *host, const ncl_metric_sink_t *sink,
                           char *err, size_t err_cap);

  /* [any] optional. An extension table by id ("ncl.NAME/REV"; third parties "com.vendor.NAME/REV"),
   * or NULL when absent. */
  const void *(*get_extension)(const struct ncl_objective *self, const char *id);

  /* mandatory. Frees the instance; the host calls it exactly once, before exit. */
  void (*destroy)(struct ncl_objective *self);
} ncl_objective_t;

/* The ABI 1.0 size of ncl_objective_t: the smallest the host accepts. */
#define NCL_OBJECTIVE_SIZE_1_0 (offsetof(ncl_objective_t, destroy) + sizeof(void (*)(void)))

/* ---------------------------------------------------------------------------------------------
 * Extension NCL_EXTENSION_STATE: the objective's own training state in checkpoints
 * ------------------------------------------------------------------------------------------- */

#define NCL_EXTENSION_STATE "ncl.state/1"

/* Where save() puts the state's bytes; write() appends (call it any number of times). */
typedef struct ncl_state_writer {
  void *writer_data; /* the host's */
  void (*write)(const struct ncl_state_writer *writer, const void *bytes, size_t size);
} ncl_state_writer_t;

/* Returned by get_extension(self, NCL_EXTENSION_STATE) from an objective that keeps state across
 * steps beyond the model, eg: the dual multipliers of hard constraints. The host stores the bytes
 * in every checkpoint and hands them back when a run resumes, before its first resumed step, so a
 * resumed run continues exactly where the interrupted one was. The format is the plugin's; check
 * it on load and fail with a message rather than guess.
 * Rationale: CLAP's "clap.state" extension, for the same reason (the host owns persistence, the
 * plugin owns the format). Objectives without it keep no state, as in ABI 1.0. */
typedef struct ncl_state_extension {
  uint32_t struct_size; /* mandatory: sizeof(ncl_state_extension_t) */
  /* [train-step] mandatory. Writes the state; writing nothing means "no state". */
  ncl_status_t (*save)(const ncl_objective_t *self, const ncl_state_writer_t *writer, char *err, size_t err_cap);
  /* [train-step] mandatory. Restores what save() wrote. */
  ncl_status_t (*load)(const ncl_objective_t *self, const void *bytes, size_t size, char *err, size_t err_cap);
} ncl_state_extension_t;

/* ---------------------------------------------------------------------------------------------
 * Extra entry points the host can call by name ([any]): `nclhost call PLUGIN FUNCTION ARGS...`
 * ------------------------------------------------------------------------------------------- */

typedef struct ncl_function_info {
  uint32_t struct_size;  /* mandatory: sizeof(ncl_function_info_t) */
  const char *name;      /* mandatory, eg: "gaussian_w2" */
  const char *symbol;    /* mandatory: the exported C symbol, eg: "dot_gaussian_w2" */
  /* mandatory: return type, then argument types in parentheses, one letter each:
   * d = double, i = int64_t, s = const char * (NUL-terminated UTF-8), v = void (return only),
   * and (ABI 1.2) e = an error buffer, the two arguments `char *err, size_t err_cap`, last only:
   * the host passes a zeroed buffer of NCL_MESSAGE_SIZE bytes, and a message left in it means the
   * call failed (the result is ignored and the message shown; `nclhost call` exits non-zero).
   * eg: "d(dd)" for double f(double, double); "d(se)" for double f(const char *, char *, size_t).
   * Returned strings are owned by the plugin.
   * Rationale: `e` is a letter rather than a flag so that a host too old to pass the buffer
   * refuses the function instead of calling it with missing arguments. */
  const char *signature;
  const char *help;      /* mandatory, eg: "W2 between N(m0, s0^2 I) and N(m1, s1^2 I) in D dims" */
} ncl_function_info_t;

/* The ABI 1.0 size of ncl_function_info_t: the smallest the host accepts. */
#define NCL_FUNCTION_INFO_SIZE_1_0 (offsetof(ncl_function_info_t, help) + sizeof(const char *))

/* ---------------------------------------------------------------------------------------------
 * The descriptor and the entry point
 * ------------------------------------------------------------------------------------------- */

typedef struct ncl_plugin_descriptor {
  ncl_version_t abi_version; /* mandatory: NCL_VERSION_INIT */
  uint32_t struct_size;      /* mandatory: sizeof(ncl_plugin_descriptor_t) */
  const char *id;            /* mandatory, reverse DNS, eg: "org.ncl.dynamical-ot" */
  const char *name;          /* mandatory, what users type, eg: "DynamicalOT" */
  const char *version;       /* mandatory, eg: "0.1.0" */
  const char *description;   /* mandatory, one line */

  uint32_t param_count;                  /* may be 0 */
  const ncl_param_info_t *params;        /* param_count elements */
  uint32_t function_count;               /* may be 0 */
  const ncl_function_info_t *functions;  /* function_count elements */

  /* [create] mandatory. Validates the parameters, loads data, and returns a new objective in *out.
   * On failure returns a status and writes a message naming the problem (the parameter, the file
   * and line) into err. host->plugin_path (ABI 1.2) is the path of this library. */
  ncl_status_t (*create)(const ncl_host_t *host, const ncl_params_t *params, ncl_objective_t **out,
                         char *err, size_t err_cap);
} ncl_plugin_descriptor_t;

/* The ABI 1.0 size of the descriptor: the smallest the host accepts. */
#define NCL_DESCRIPTOR_SIZE_1_0 (offsetof(ncl_plugin_descriptor_t, create) + sizeof(void (*)(void)))

/* The one exported symbol: returns a pointer to a static descriptor. [load] */
typedef const ncl_plugin_descriptor_t *(*ncl_plugin_entry_fn)(void);
#define NCL_PLUGIN_ENTRY_SYMBOL "ncl_plugin_entry"

#ifdef __cplusplus
}
#endif

#endif /* NCL_PLUGIN_H */
