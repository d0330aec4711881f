// RUN: snax-opt %s -p 'declare-accelerators{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s
// RUN: snax-opt %s -p 'declare-accelerators{config="%S/inputs/two_accelerators.yaml"},lower-accfg' | filecheck %s --check-prefix=LOWERED
// RUN: snax-opt %s -p 'declare-accelerators{config="%S/inputs/nope.yaml"}' --verify-diagnostics | filecheck %s --check-prefix=MISSING

// Window 0 (0x20010000 = 536936448) is the GeMM's, window 1 (0x20011000 = 536940544)
// the SIMD unit's; configuration registers start at offset 0x100 of a window.
// CHECK:      "accfg.accelerator"() <{name = @gemm0, fields = {a_base = 536936704 : i32,
// CHECK-SAME: k_tiles = {{[0-9]+}} : i32
// CHECK-SAME: launch_fields = {launch = 536936448 : i32}, barrier = 536936452 : i32}>
// CHECK-NEXT: "accfg.accelerator"() <{name = @simd0, fields = {x_base = 536940800 : i32,
// CHECK-SAME: launch_fields = {launch = 536940544 : i32}, barrier = 536940548 : i32}>

// LOWERED-LABEL: func.func @run(
// LOWERED-NEXT: snax.mmio_store %{{.*}} to 0x20010{{[1-9a-f][0-9a-f]+}} : i32
// LOWERED-NEXT: %[[Z:.*]] = arith.constant 0 : i32
// LOWERED-NEXT: snax.mmio_store %[[Z]] to 0x20010000 : i32
// LOWERED-NEXT: %[[ID:.*]] = snax.mmio_load 0x20010000 : i32
// LOWERED:      snax.mmio_load 0x20010004 : i32
// LOWERED-NOT:  accfg.

// MISSING: declare-accelerators: {{.*}}nope.yaml: cannot read configuration
func.func @run(%k: i32) {
  %s = accfg.setup "gemm0" to ("k_tiles" = %k : i32) : !accfg.state<"gemm0">
  %t = "accfg.launch"(%s) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t) : (!accfg.token<"gemm0">) -> ()
  func.return
}
