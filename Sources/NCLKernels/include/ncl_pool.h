/* A small fork-join pool for the engine's parallel loops.
 *
 * A training step runs hundreds of parallel regions of tens of microseconds each. Waking a
 * sleeping thread for each one (what libdispatch does) costs about as much as the work in a
 * virtual machine, so the workers here spin briefly between regions, like OpenMP's, and sleep
 * only after a quiet spell. */
#ifndef NCL_POOL_H
#define NCL_POOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The cores this process may run on: its CPU affinity mask (taskset, cgroup cpusets, MPI
 * binding), not the machine's count, so that a pinned process does not start more threads than
 * it has cores. */
int ncl_available_cores(void);

typedef void (*ncl_block_function_t)(void *context, ptrdiff_t block);

/* Calls function(context, b) for b in 0..<blocks, block 0 on the calling thread and the others on
 * pool workers, and returns when all are done. Runs every block on the caller when blocks <= 1,
 * when called from inside a region, or while another thread is using the pool. */
void ncl_pool_run(ncl_block_function_t function, void *context, ptrdiff_t blocks);

#ifdef __cplusplus
}
#endif

#endif
