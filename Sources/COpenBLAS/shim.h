// OpenBLAS's CBLAS interface and its threading/core queries (Debian libopenblas-dev).
#include <cblas.h>
