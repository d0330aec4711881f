// RUN: snax-opt %s --split-input-file --verify-diagnostics | filecheck %s

func.func @missing_pattern(%x: memref<64xi8>, %y: memref<64xi8>) {
  stream.streaming_region "simd" ins(%x : memref<64xi8>) outs(%y : memref<64xi8>)
      patterns [#stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>]
  func.return
}
// CHECK: 2 streamed operands but 1 patterns

// -----

func.func @l3_operand(%x: memref<64xi8, #snax.memory_space<l3>>, %y: memref<64xi8>) {
  stream.streaming_region "simd" ins(%x : memref<64xi8, #snax.memory_space<l3>>) outs(%y : memref<64xi8>)
      patterns [#stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>,
                #stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>]
  func.return
}
// CHECK: streamed operands must be in L1 (the TCDM)

// -----

func.func @lengths(%x: memref<64xi8>, %y: memref<64xi8>) {
  stream.streaming_region "simd" ins(%x : memref<64xi8>) outs(%y : memref<64xi8>)
      patterns [#stream.pattern<temporal_bounds = [8, 2], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>,
                #stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>]
  func.return
}
// CHECK: 2 temporal bounds but 1 temporal strides
