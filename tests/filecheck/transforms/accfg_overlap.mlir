// RUN: snax-opt %s -p accfg-overlap | filecheck %s

// CHECK-LABEL: func.func @next_tile(
// The next tile's address computation and setup move above the await, past the DMA wait.
// CHECK:      %[[T0:.*]] = "accfg.launch"(%{{.*}})
// CHECK-NEXT: %[[B1:.*]] = arith.addi %{{.*}}, %{{.*}} : i32
// CHECK-NEXT: %[[S1:.*]] = accfg.setup "gemm0" from %{{.*}} to ("b" = %[[B1]] : i32)
// CHECK-NEXT: "accfg.await"(%[[T0]])
// CHECK-NEXT: dma.wait
// CHECK-NEXT: %{{.*}} = "accfg.launch"(%[[S1]])
func.func @next_tile(%b0: i32, %step: i32, %t: !dma.token) {
  %s0 = accfg.setup "gemm0" to ("b" = %b0 : i32) : !accfg.state<"gemm0">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t0) : (!accfg.token<"gemm0">) -> ()
  dma.wait %t
  %b1 = arith.addi %b0, %step : i32
  %s1 = accfg.setup "gemm0" from %s0 to ("b" = %b1 : i32) : !accfg.state<"gemm0">
  %t1 = "accfg.launch"(%s1) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t1) : (!accfg.token<"gemm0">) -> ()
  func.return
}

// The setup of another accelerator does not cross gemm0's await, and an operand that is
// read from memory after the await keeps the setup below the await.
// CHECK-LABEL: func.func @stays(
// CHECK:      "accfg.await"
// CHECK-NEXT: accfg.setup "simd0"
// CHECK:      "accfg.await"
// CHECK-NEXT: %[[V:.*]] = memref.load
// CHECK-NEXT: accfg.setup "gemm0" from %{{.*}} to ("b" = %[[V]] : i32)
func.func @stays(%b0: i32, %m: memref<4xi32>) {
  %c0 = arith.constant 0 : index
  %s0 = accfg.setup "gemm0" to ("b" = %b0 : i32) : !accfg.state<"gemm0">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t0) : (!accfg.token<"gemm0">) -> ()
  %x = accfg.setup "simd0" to ("op" = %b0 : i32) : !accfg.state<"simd0">
  %t1 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t1) : (!accfg.token<"gemm0">) -> ()
  %v = memref.load %m[%c0] : memref<4xi32>
  %s2 = accfg.setup "gemm0" from %s0 to ("b" = %v : i32) : !accfg.state<"gemm0">
  %t2 = "accfg.launch"(%s2) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t2) : (!accfg.token<"gemm0">) -> ()
  func.return
}

// A setup never moves above a launch of its own accelerator (the launch would take the
// new values) — here the launch sits between the await and the setup.
// CHECK-LABEL: func.func @not_across_launch(
// CHECK:      "accfg.await"
// CHECK-NEXT: "accfg.launch"
// CHECK-NEXT: accfg.setup "gemm0" from
func.func @not_across_launch(%b0: i32, %b1: i32) {
  %s0 = accfg.setup "gemm0" to ("b" = %b0 : i32) : !accfg.state<"gemm0">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  "accfg.await"(%t0) : (!accfg.token<"gemm0">) -> ()
  %t1 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm0"}> : (!accfg.state<"gemm0">) -> !accfg.token<"gemm0">
  %s1 = accfg.setup "gemm0" from %s0 to ("b" = %b1 : i32) : !accfg.state<"gemm0">
  "accfg.await"(%t1) : (!accfg.token<"gemm0">) -> ()
  func.return
}
