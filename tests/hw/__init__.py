"""Hardware block tests (a package, so that module names like test_dma stay unique)."""
