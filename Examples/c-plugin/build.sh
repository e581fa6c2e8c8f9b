#!/bin/sh
# Builds the example C plugin next to this script: libgaussian_transport.so (ignored by git).
# Any C11 compiler works; the only include is the ABI header, the only library libm.
set -e
cd "$(dirname "$0")"
cc -std=c11 -O2 -Wall -Wextra -shared -fPIC -fvisibility=hidden -I ../../Sources/NCLPluginAPI/include \
  gaussian_transport.c -o libgaussian_transport.so -lm
