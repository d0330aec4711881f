"""snaxc backend: the control program to LLVM IR (upstream MLIR) and to RV32 objects (zig)."""
