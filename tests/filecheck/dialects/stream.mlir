// RUN: snax-opt %s | snax-opt | filecheck %s
// RUN: snax-opt %s --print-op-generic | snax-opt | filecheck %s

// An 8x8x8 GeMM tile loop nest over 32x32 int8 operands: A and B are read as 8x8 blocks
// (8 spatial words of 8 bytes), C is written as 8x8 int32 blocks.

// CHECK-LABEL: func.func @gemm_streams(
// CHECK: stream.streaming_region "gemm"
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : memref<32x32xi8, #snax.memory_space<l1>>, memref<32x32xi8, #snax.memory_space<l1>>)
// CHECK-SAME: outs(%{{.*}} : memref<32x32xi32, #snax.memory_space<l1>>)
// CHECK-SAME: patterns [#stream.pattern<temporal_bounds = [4, 4, 4], temporal_strides = [256, 0, 8], spatial_bounds = [8], spatial_strides = [32]>,
// CHECK-SAME: #stream.pattern<temporal_bounds = [4, 4, 4], temporal_strides = [0, 8, 256], spatial_bounds = [8], spatial_strides = [32]>,
// CHECK-SAME: #stream.pattern<temporal_bounds = [4, 4], temporal_strides = [1024, 32], spatial_bounds = [8, 4], spatial_strides = [128, 8]>]
func.func @gemm_streams(%a: memref<32x32xi8, #snax.memory_space<l1>>,
                        %b: memref<32x32xi8, #snax.memory_space<l1>>,
                        %c: memref<32x32xi32, #snax.memory_space<l1>>) {
  stream.streaming_region "gemm" ins(%a, %b : memref<32x32xi8, #snax.memory_space<l1>>, memref<32x32xi8, #snax.memory_space<l1>>)
      outs(%c : memref<32x32xi32, #snax.memory_space<l1>>)
      patterns [#stream.pattern<temporal_bounds = [4, 4, 4], temporal_strides = [256, 0, 8], spatial_bounds = [8], spatial_strides = [32]>,
                #stream.pattern<temporal_bounds = [4, 4, 4], temporal_strides = [0, 8, 256], spatial_bounds = [8], spatial_strides = [32]>,
                #stream.pattern<temporal_bounds = [4, 4], temporal_strides = [1024, 32], spatial_bounds = [8, 4], spatial_strides = [128, 8]>]
  func.return
}

// A purely temporal pattern (no spatial dims), on memrefs without a memory space.
// CHECK-LABEL: func.func @temporal_only(
// CHECK: stream.streaming_region "simd" ins(%{{.*}} : memref<64xi8>) outs(%{{.*}} : memref<64xi8>)
// CHECK-SAME: patterns [#stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>,
func.func @temporal_only(%x: memref<64xi8>, %y: memref<64xi8>) {
  stream.streaming_region "simd" ins(%x : memref<64xi8>) outs(%y : memref<64xi8>)
      patterns [#stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>,
                #stream.pattern<temporal_bounds = [8], temporal_strides = [8], spatial_bounds = [], spatial_strides = []>]
  func.return
}
