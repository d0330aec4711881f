// RUN: snax-opt %s -p 'dispatch-kernels{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s
// RUN: snax-opt %s -p 'dispatch-kernels{config="%S/inputs/no_accelerators.yaml"}' | filecheck %s --check-prefix=NOACC

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// The cluster declares its accelerators; a 16x32x8 matmul on L1 buffers initialised by
// a zero fill goes to the GeMM: the fill disappears (the accelerator starts from zero),
// the generic becomes setup/launch/await with A at 0x10000000, B at 0x10000200, D at
// 0x10000400.
// CHECK: "accfg.accelerator"() <{name = @gemm0
// CHECK: "accfg.accelerator"() <{name = @simd0
// CHECK-LABEL: func.func @main() -> i32 {
// CHECK-NOT:   linalg.generic
// CHECK:       accfg.setup "gemm0" to (
// CHECK-SAME:  "k_tiles" = %{{[^:]*}} : i32, "mn_tiles" = %{{[^:]*}} : i32, "a_zp"
// CHECK-SAME:  "a_base" = %{{[^:]*}} : i32
// CHECK-NEXT:  %[[T:.*]] = "accfg.launch"
// CHECK-NEXT:  "accfg.await"(%[[T]])
// The 12x16x8 matmul is not a multiple of the 8x8x8 array: it stays for the core.
// CHECK:       linalg.generic
// CHECK:       kernel.mac

// NOACC-NOT: accfg
// NOACC-COUNT-3: linalg.generic
func.func @main() -> i32 {
  %a = snax.static_alloc offset 0 : memref<16x8xi8, #snax.memory_space<l1>>
  %b = snax.static_alloc offset 512 : memref<8x32xi8, #snax.memory_space<l1>>
  %d = snax.static_alloc offset 1024 : memref<16x32xi32, #snax.memory_space<l1>>
  %zero = arith.constant 0 : i32
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> ()>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%zero : i32) outs(%d : memref<16x32xi32, #snax.memory_space<l1>>) {
  ^bb0(%in: i32, %out: i32):
    linalg.yield %in : i32
  }
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<16x8xi8, #snax.memory_space<l1>>, memref<8x32xi8, #snax.memory_space<l1>>) outs(%d : memref<16x32xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %r = kernel.mac %x, %y, %acc : i8, i8, i32 -> i32
    linalg.yield %r : i32
  }
  %a2 = snax.static_alloc offset 4096 : memref<12x16xi8, #snax.memory_space<l1>>
  %b2 = snax.static_alloc offset 4352 : memref<16x8xi8, #snax.memory_space<l1>>
  %d2 = snax.static_alloc offset 4608 : memref<12x8xi32, #snax.memory_space<l1>>
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a2, %b2 : memref<12x16xi8, #snax.memory_space<l1>>, memref<16x8xi8, #snax.memory_space<l1>>) outs(%d2 : memref<12x8xi32, #snax.memory_space<l1>>) {
  ^bb0(%x: i8, %y: i8, %acc: i32):
    %r = kernel.mac %x, %y, %acc : i8, i8, i32 -> i32
    linalg.yield %r : i32
  }
  %ret = arith.constant 0 : i32
  func.return %ret : i32
}
