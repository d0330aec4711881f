// RUN: snax-opt %s -p accfg-thread-states | filecheck %s

// Setups made by different passes: each continues the one before it, in program order.
// CHECK-LABEL: func.func @interleaved(
// CHECK:      %[[S0:.*]] = accfg.setup "acc" to ("a" = %{{.*}} : i32)
// CHECK:      %[[S1:.*]] = accfg.setup "acc" from %[[S0]] to ("a" = %{{.*}} : i32)
// CHECK:      %[[S2:.*]] = accfg.setup "acc" from %[[S1]] to ("a" = %{{.*}} : i32)
// CHECK:      accfg.launch
func.func @interleaved() {
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %s0 = accfg.setup "acc" to ("a" = %c1 : i32) : !accfg.state<"acc">
  %s1 = accfg.setup "acc" to ("a" = %c2 : i32) : !accfg.state<"acc">
  %s2 = accfg.setup "acc" from %s0 to ("a" = %c1 : i32) : !accfg.state<"acc">
  %t = "accfg.launch"(%s2) <{param_names = [], accelerator = "acc"}> : (!accfg.state<"acc">) -> !accfg.token<"acc">
  "accfg.await"(%t) : (!accfg.token<"acc">) -> ()
  func.return
}

// A setup inside a loop in between: what the loop leaves is unknown, no incoming state.
// CHECK-LABEL: func.func @after_loop(
// CHECK:      scf.for
// CHECK:      accfg.setup "acc" to
// CHECK:      %[[S2:.*]] = accfg.setup "acc" to ("a" = %{{.*}} : i32)
func.func @after_loop() {
  %c1 = arith.constant 1 : i32
  %lb = arith.constant 0 : index
  %ub = arith.constant 4 : index
  %st = arith.constant 1 : index
  %s0 = accfg.setup "acc" to ("a" = %c1 : i32) : !accfg.state<"acc">
  scf.for %i = %lb to %ub step %st {
    %s = accfg.setup "acc" to ("a" = %c1 : i32) : !accfg.state<"acc">
    scf.yield
  }
  %s2 = accfg.setup "acc" from %s0 to ("a" = %c1 : i32) : !accfg.state<"acc">
  func.return
}

// Other accelerators do not break a chain.
// CHECK-LABEL: func.func @two_accelerators(
// CHECK:      %[[A0:.*]] = accfg.setup "a" to
// CHECK:      accfg.setup "b" to
// CHECK:      accfg.setup "a" from %[[A0]] to
func.func @two_accelerators() {
  %c1 = arith.constant 1 : i32
  %a0 = accfg.setup "a" to ("x" = %c1 : i32) : !accfg.state<"a">
  %b0 = accfg.setup "b" to ("x" = %c1 : i32) : !accfg.state<"b">
  %a1 = accfg.setup "a" to ("x" = %c1 : i32) : !accfg.state<"a">
  func.return
}
