/* no_entry.c: a shared library without ncl_plugin_entry; the host must say so. */
__attribute__((visibility("default"))) int not_a_plugin(void) { return 42; }
