/* dependency.c: libncl_fixture_dependency.so, the library missing_dependency.c links against (not a plugin). */
__attribute__((visibility("default"))) double ncl_fixture_dependency(double x) { return 2 * x; }
