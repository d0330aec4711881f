// Clock and reset driver of the accelerator block testbench (tb_acc.sv).
#include <memory>

#include "Vtb_acc.h"
#include "verilated.h"

int main(int argc, char **argv) {
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->commandArgs(argc, argv);
  auto top = std::make_unique<Vtb_acc>(ctx.get());
  top->clk_i = 0;
  top->rst_ni = 1;
  top->eval();
  for (int i = 0; !ctx->gotFinish(); i++) {
    top->rst_ni = !(i >= 1 && i < 4);  // a real reset edge: high, low, high
    top->clk_i = 0;
    top->eval();
    top->clk_i = 1;
    top->eval();
  }
  top->final();
  return 0;
}
