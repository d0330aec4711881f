// RUN: snax-opt %s | snax-opt | filecheck %s
// RUN: snax-opt %s --print-op-generic | snax-opt | filecheck %s

// snaxc reuses xDSL's accfg dialect unchanged: an accelerator declaration mapping field
// names to CSR offsets, setups that thread the configuration state through SSA values,
// launches that return tokens, awaits on them.

// CHECK: "accfg.accelerator"() <{name = @gemm, fields = {a_base = 0 : i32, k = 4 : i32}, launch_fields = {launch = 60 : i32}, barrier = 64 : i32}> : () -> ()
"accfg.accelerator"() <{name = @gemm, fields = {a_base = 0 : i32, k = 4 : i32}, launch_fields = {launch = 60 : i32}, barrier = 64 : i32}> : () -> ()

// CHECK-LABEL: func.func @run_twice(
func.func @run_twice(%a: i32, %k: i32, %k2: i32) {
  // CHECK: %[[S0:.*]] = accfg.setup "gemm" to ("a_base" = %{{.*}} : i32, "k" = %{{.*}} : i32) : !accfg.state<"gemm">
  %s0 = accfg.setup "gemm" to ("a_base" = %a : i32, "k" = %k : i32) : !accfg.state<"gemm">
  // CHECK: %[[T0:.*]] = "accfg.launch"(%[[S0]]) <{param_names = [], accelerator = "gemm"}> : (!accfg.state<"gemm">) -> !accfg.token<"gemm">
  %t0 = "accfg.launch"(%s0) <{param_names = [], accelerator = "gemm"}> : (!accfg.state<"gemm">) -> !accfg.token<"gemm">
  // The next setup only changes `k`: the state it starts from says what is already set.
  // CHECK: %[[S1:.*]] = accfg.setup "gemm" from %[[S0]] to ("k" = %{{.*}} : i32) : !accfg.state<"gemm">
  %s1 = accfg.setup "gemm" from %s0 to ("k" = %k2 : i32) : !accfg.state<"gemm">
  // CHECK: "accfg.await"(%[[T0]]) : (!accfg.token<"gemm">) -> ()
  "accfg.await"(%t0) : (!accfg.token<"gemm">) -> ()
  %t1 = "accfg.launch"(%s1) <{param_names = [], accelerator = "gemm"}> : (!accfg.state<"gemm">) -> !accfg.token<"gemm">
  "accfg.await"(%t1) : (!accfg.token<"gemm">) -> ()
  func.return
}
