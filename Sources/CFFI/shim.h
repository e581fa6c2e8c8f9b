// libffi (Debian libffi-dev): calls plugin entry points whose signatures are only known at run time.
#include <ffi.h>
