// RUN: snax-opt %s -p 'fixed-point-requant{requant="float64"}' --verify-diagnostics 2>&1 | filecheck %s

// CHECK: fixed-point-requant: requant must be one of float32, fixed-point, got 'float64'
func.func @f() {
  func.return
}
