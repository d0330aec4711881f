// RUN: snax-opt %s -p lower-accfg | filecheck %s

// An accelerator in register window 0 (0x20010000): configuration registers from 0x100,
// LAUNCH at 0x000, DONE at 0x004.
"accfg.accelerator"() <{name = @gemm0, fields = {k = 0x20010100 : i32, n = 0x20010104 : i32, a = 0x20010108 : i32}, launch_fields = {launch = 0x20010000 : i32}, barrier = 0x20010004 : i32}> : () -> ()

// CHECK-LABEL: func.func @two_launches(
// CHECK-SAME: %[[A:.*]]: i32, %[[K:.*]]: index, %[[N:.*]]: i32, %[[N2:.*]]: i32)
// First setup: every field written, index values cast to i32.
// CHECK-NEXT: snax.mmio_store %[[A]] to 0x20010108 : i32
// CHECK-NEXT: %[[KI:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK-NEXT: snax.mmio_store %[[KI]] to 0x20010100 : i32
// CHECK-NEXT: snax.mmio_store %[[N]] to 0x20010104 : i32
// Launch: LAUNCH written (0: no launch value given), read back as the launch id.
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-NEXT: snax.mmio_store %[[ZERO]] to 0x20010000 : i32
// CHECK-NEXT: %[[ID0:.*]] = snax.mmio_load 0x20010000 : i32
// The second setup is written while the first operation runs (configuration overlap).
// CHECK-NEXT: snax.mmio_store %[[N2]] to 0x20010104 : i32
// CHECK-NEXT: scf.while () : () -> () {
// CHECK-NEXT:   %[[DONE:.*]] = snax.mmio_load 0x20010004 : i32
// CHECK-NEXT:   %[[P:.*]] = arith.cmpi ult, %[[DONE]], %[[ID0]] : i32
// CHECK-NEXT:   scf.condition(%[[P]])
// CHECK-NEXT: } do {
// CHECK-NEXT:   scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: %[[ZERO1:.*]] = arith.constant 0 : i32
// CHECK-NEXT: snax.mmio_store %[[ZERO1]] to 0x20010000 : i32
// CHECK-NEXT: %[[ID1:.*]] = snax.mmio_load 0x20010000 : i32
// CHECK-NEXT: scf.while
// CHECK:      arith.cmpi ult, %{{.*}}, %[[ID1]] : i32
// CHECK:      func.return
// CHECK-NOT: accfg.
func.func @two_launches(%a: i32, %k: index, %n: i32, %n2: i32) {
  %s0 = accfg.setup "gemm0" to ("a" = %a : i32, "k" = %k : index, "n" = %n : i32) : !accfg.state<"gemm0">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  %s1 = accfg.setup "gemm0" from %s0 to ("n" = %n2 : i32) : !accfg.state<"gemm0">
  "accfg.await"(%t0) : (!accfg.token<"gemm0">) -> ()
  %t1 = "accfg.launch"(%s1) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t1) : (!accfg.token<"gemm0">) -> ()
  func.return
}
