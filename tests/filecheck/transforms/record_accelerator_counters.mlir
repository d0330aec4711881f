// RUN: snax-opt %s -p 'record-accelerator-counters{config="%S/inputs/two_accelerators.yaml"}' | filecheck %s
// RUN: snax-opt %s -p 'record-accelerator-counters{config="%S/inputs/no_accelerators.yaml"}' | filecheck %s --check-prefix=NONE

// CHECK: "memref.global"() <{sym_name = "snaxc_acc_counters", type = memref<4xi32>, initial_value = dense<0> : tensor<4xi32>, sym_visibility = "public", alignment = 8 : i64}>
// CHECK-LABEL: func.func @main() -> i32 {
// CHECK:      %[[G:.*]] = memref.get_global @snaxc_acc_counters : memref<4xi32>
// gemm0 (window 0): BUSY_CYCLES at +0x00c, STALL_CYCLES at +0x010; then simd0 (window 1).
// CHECK-NEXT: %[[B0:.*]] = snax.mmio_load 0x2001000c : i32
// CHECK-NEXT: %[[I0:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.store %[[B0]], %[[G]][%[[I0]]] : memref<4xi32>
// CHECK-NEXT: %[[S0:.*]] = snax.mmio_load 0x20010010 : i32
// CHECK:      snax.mmio_load 0x2001100c : i32
// CHECK:      snax.mmio_load 0x20011010 : i32
// CHECK:      func.return

// NONE-NOT: snaxc_acc_counters
func.func @main() -> i32 {
  %r = arith.constant 0 : i32
  func.return %r : i32
}
