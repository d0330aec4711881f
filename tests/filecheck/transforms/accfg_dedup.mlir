// RUN: snax-opt %s -p accfg-dedup | filecheck %s

// Tiles of one matmul: only the A and C base addresses change between launches.
// CHECK-LABEL: func.func @tiles(
// CHECK-SAME: %[[A0:[^:]*]]: i32, %[[A1:[^:]*]]: i32, %[[C0:[^:]*]]: i32, %[[C1:[^:]*]]: i32, %[[K:[^:]*]]: i32)
// CHECK-NEXT: %[[N:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[S0:.*]] = accfg.setup "gemm0" to ("a" = %[[A0]] : i32, "c" = %[[C0]] : i32, "k" = %[[K]] : i32, "n" = %[[N]] : i32) : !accfg.state<"gemm0">
// CHECK-NEXT: %[[T0:.*]] = "accfg.launch"(%[[S0]])
// CHECK-NEXT: "accfg.await"(%[[T0]])
// A second constant 8 is the same value: only a and c are written again.
// CHECK-NEXT: %[[N2:.*]] = arith.constant 8 : i32
// CHECK-NEXT: %[[S1:.*]] = accfg.setup "gemm0" from %[[S0]] to ("a" = %[[A1]] : i32, "c" = %[[C1]] : i32) : !accfg.state<"gemm0">
// CHECK-NEXT: %[[T1:.*]] = "accfg.launch"(%[[S1]])
// CHECK-NEXT: "accfg.await"(%[[T1]])
// Nothing changes at all: the setup disappears and the launch reuses the state.
// CHECK-NEXT: %[[T2:.*]] = "accfg.launch"(%[[S1]])
// CHECK-NEXT: "accfg.await"(%[[T2]])
// A fresh setup (no incoming state) knows nothing: everything is written.
// CHECK-NEXT: %[[S3:.*]] = accfg.setup "gemm0" to ("a" = %[[A1]] : i32, "c" = %[[C1]] : i32, "k" = %[[K]] : i32, "n" = %[[N2]] : i32)
func.func @tiles(%a0: i32, %a1: i32, %c0: i32, %c1: i32, %k: i32) {
  %n = arith.constant 8 : i32
  %s0 = accfg.setup "gemm0" to ("a" = %a0 : i32, "c" = %c0 : i32, "k" = %k : i32, "n" = %n : i32) : !accfg.state<"gemm0">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t0) : (!accfg.token<"gemm0">) -> ()
  %n2 = arith.constant 8 : i32
  %s1 = accfg.setup "gemm0" from %s0 to ("a" = %a1 : i32, "c" = %c1 : i32, "k" = %k : i32, "n" = %n2 : i32) : !accfg.state<"gemm0">
  %t1 = "accfg.launch"(%s1) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t1) : (!accfg.token<"gemm0">) -> ()
  %s2 = accfg.setup "gemm0" from %s1 to ("a" = %a1 : i32, "k" = %k : i32) : !accfg.state<"gemm0">
  %t2 = "accfg.launch"(%s2) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t2) : (!accfg.token<"gemm0">) -> ()
  %s3 = accfg.setup "gemm0" to ("a" = %a1 : i32, "c" = %c1 : i32, "k" = %k : i32, "n" = %n2 : i32) : !accfg.state<"gemm0">
  %t3 = "accfg.launch"(%s3) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t3) : (!accfg.token<"gemm0">) -> ()
  func.return
}

// A loop-carried state is unknown inside the loop: the loop's setup keeps all fields.
// CHECK-LABEL: func.func @loop_carried(
// CHECK: scf.for
// CHECK-NEXT: %{{.*}} = accfg.setup "gemm0" from %{{.*}} to ("a" = %{{.*}} : i32, "k" = %{{.*}} : i32)
func.func @loop_carried(%a: i32, %k: i32, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s0 = accfg.setup "gemm0" to ("a" = %a : i32, "k" = %k : i32) : !accfg.state<"gemm0">
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%s = %s0) -> (!accfg.state<"gemm0">) {
    %s1 = accfg.setup "gemm0" from %s to ("a" = %a : i32, "k" = %k : i32) : !accfg.state<"gemm0">
    %t = "accfg.launch"(%s1) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
    "accfg.await"(%t) : (!accfg.token<"gemm0">) -> ()
    scf.yield %s1 : !accfg.state<"gemm0">
  }
  func.return
}
