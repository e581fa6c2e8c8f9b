/* The engine's fork-join pool: see ncl_pool.h. */
#define _GNU_SOURCE
#include "ncl_pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

/* Enough for any machine the engine splits work for; more blocks than workers + 1 run in turns. */
#define NCL_POOL_MAX_WORKERS 63
/* Spins (each a CPU pause, tens of nanoseconds) before a worker goes to sleep: ~0.1-1 ms. */
#define NCL_POOL_SPINS 20000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static struct {
  pthread_once_t once;
  int workers;
  /* The current region; written by the caller before `generation` is bumped. */
  ncl_block_function_t function;
  void *context;
  ptrdiff_t blocks;
  _Atomic unsigned long generation;
  _Atomic ptrdiff_t next_block; /* blocks beyond the workers' own are taken from here */
  _Atomic int pending;          /* workers still in the current region */
  _Atomic int sleeping;
  _Atomic bool busy;            /* a thread is running a region */
  pthread_mutex_t mutex;
  pthread_cond_t wake;
} pool = {.once = PTHREAD_ONCE_INIT, .mutex = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static _Thread_local bool inside_region;

static void run_blocks(ptrdiff_t first) {
  if (first < pool.blocks) pool.function(pool.context, first);
  for (ptrdiff_t b; (b = atomic_fetch_add_explicit(&pool.next_block, 1, memory_order_relaxed)) < pool.blocks;) {
    pool.function(pool.context, b);
  }
}

static void *worker_main(void *argument) {
  const ptrdiff_t index = (ptrdiff_t)argument; /* runs block index + 1 */
  inside_region = true;
  /* Workers are started before the first region is published, so generation 0 is the one
   * they have "seen"; reading it here instead could skip a region published meanwhile. */
  unsigned long seen = 0;
  for (;;) {
    unsigned long now;
    int spins = 0;
    while ((now = atomic_load_explicit(&pool.generation, memory_order_acquire)) == seen) {
      if (++spins < NCL_POOL_SPINS) {
        cpu_relax();
        continue;
      }
      /* Sleep; the caller signals only when it sees a sleeper, so re-check after registering. */
      pthread_mutex_lock(&pool.mutex);
      atomic_fetch_add(&pool.sleeping, 1);
      while (atomic_load(&pool.generation) == seen) pthread_cond_wait(&pool.wake, &pool.mutex);
      atomic_fetch_sub(&pool.sleeping, 1);
      pthread_mutex_unlock(&pool.mutex);
      spins = 0;
    }
    seen = now;
    run_blocks(index + 1);
    atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
  }
  return NULL;
}

int ncl_available_cores(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (int)online : 1;
}

static void start_workers(void) {
  const int cores = ncl_available_cores();
  int wanted = cores > 1 ? cores - 1 : 0;
  if (wanted > NCL_POOL_MAX_WORKERS) wanted = NCL_POOL_MAX_WORKERS;
  for (int i = 0; i < wanted; i++) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attributes, worker_main, (void *)(ptrdiff_t)i) == 0) pool.workers++;
    pthread_attr_destroy(&attributes);
  }
}

void ncl_pool_run(ncl_block_function_t function, void *context, ptrdiff_t blocks) {
  bool expected = false;
  if (blocks > 1 && !inside_region) pthread_once(&pool.once, start_workers);
  if (blocks <= 1 || inside_region || pool.workers == 0 ||
      !atomic_compare_exchange_strong(&pool.busy, &expected, true)) {
    for (ptrdiff_t b = 0; b < blocks; b++) function(context, b);
    return;
  }
  inside_region = true;
  pool.function = function;
  pool.context = context;
  pool.blocks = blocks;
  atomic_store_explicit(&pool.next_block, (ptrdiff_t)pool.workers + 1, memory_order_relaxed);
  atomic_store_explicit(&pool.pending, pool.workers, memory_order_relaxed);
  atomic_fetch_add(&pool.generation, 1); /* seq_cst: ordered before the sleepers check below */
  if (atomic_load(&pool.sleeping) > 0) {
    pthread_mutex_lock(&pool.mutex);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mutex);
  }
  run_blocks(0);
  /* A worker the kernel has not scheduled (more runnable threads than cores) cannot finish while
   * the caller spins on its core, so after a short spin the caller gives the core up. */
  for (int spins = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0;) {
    if (spins < NCL_POOL_SPINS) {
      spins++;
      cpu_relax();
    } else {
      sched_yield(); /* spins stays at the bound: no overflow however long the wait */
    }
  }
  inside_region = false;
  atomic_store_explicit(&pool.busy, false, memory_order_release);
}
