// RUN: snax-opt %s | snax-opt | filecheck %s
// RUN: snax-opt %s --print-op-generic | snax-opt | filecheck %s

// CHECK-LABEL: func.func @memory_spaces(
// CHECK-SAME: %{{.*}}: memref<64x64xi8, #snax.memory_space<l3>>
// CHECK-SAME: %{{.*}}: memref<8x8xi32, #snax.memory_space<l1>>
func.func @memory_spaces(%a: memref<64x64xi8, #snax.memory_space<l3>>,
                         %b: memref<8x8xi32, #snax.memory_space<l1>>) {
  func.return
}

// CHECK-LABEL: func.func @static_alloc
// CHECK: %{{.*}} = snax.static_alloc offset 0 : memref<16x16xi8, #snax.memory_space<l1>>
// CHECK: %{{.*}} = snax.static_alloc offset 1024 : memref<16x16xi32, #snax.memory_space<l1>>
// CHECK: %{{.*}} = snax.static_alloc offset 4096 : memref<128xi8, #snax.memory_space<l3>>
func.func @static_alloc() {
  %a = snax.static_alloc offset 0 : memref<16x16xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 1024 : memref<16x16xi32, #snax.memory_space<l1>>
  %c = snax.static_alloc offset 4096 : memref<128xi8, #snax.memory_space<l3>>
  func.return
}

// CHECK-LABEL: func.func @mmio
// CHECK: snax.mmio_store %{{.*}} to 0x20001010 : i32
// CHECK: %{{.*}} = snax.mmio_load 0x20001014 : i32
func.func @mmio(%v: i32) -> i32 {
  snax.mmio_store %v to 0x20001010 : i32
  %done = snax.mmio_load 0x20001014 : i32
  func.return %done : i32
}
