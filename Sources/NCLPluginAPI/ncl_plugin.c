/* Header-only target; this file lets SwiftPM build it. */
