// zlib's deflate and checksums, for PNG files (Debian zlib1g-dev).
#include <zlib.h>
