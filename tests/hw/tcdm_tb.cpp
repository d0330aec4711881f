// Verilator testbench for snax_tcdm.
//
// Input (text): first line `num_ports`; then one request per line
//   `port delay we addr be wdata`   (hex for addr/be/wdata)
// in issue order per port. A port presents its next request `delay` cycles after its previous
// one was granted and holds it until granted. Output (text):
//   `R index grant_cycle rdata`        per request (rdata 0 for writes)
//   `C cycle req_mask gnt_mask conflicts` per cycle (masks as hex strings, port 0 = bit 0)
// The testbench itself checks the response protocol: rvalid exactly one cycle after a granted
// read and never otherwise.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "Vsnax_tcdm.h"
#include "tb_bits.h"
#include "verilated.h"

struct Request {
  size_t index;
  unsigned delay;
  bool we;
  uint32_t addr;
  uint32_t be;
  uint64_t wdata;
  long grant_cycle = -1;
  uint64_t rdata = 0;
};

static std::string hex_mask(const std::vector<bool>& bits) {
  std::string s;
  for (size_t i = 0; i < bits.size(); i += 4) {
    unsigned nib = 0;
    for (size_t j = 0; j < 4 && i + j < bits.size(); j++) nib |= bits[i + j] << j;
    s.insert(s.begin(), "0123456789abcdef"[nib]);
  }
  return s;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s input output\n", argv[0]);
    return 2;
  }
  auto ctx = std::make_unique<VerilatedContext>();
  ctx->fatalOnError(true);
  auto top = std::make_unique<Vsnax_tcdm>(ctx.get());

  std::ifstream in(argv[1]);
  unsigned num_ports;
  in >> num_ports;
  std::vector<Request> reqs;
  std::vector<std::deque<size_t>> queue(num_ports);
  {
    unsigned port, delay, we;
    std::string addr, be, wdata;
    while (in >> port >> delay >> we >> addr >> be >> wdata) {
      Request r{reqs.size(), delay, we != 0, static_cast<uint32_t>(std::stoul(addr, nullptr, 16)),
                static_cast<uint32_t>(std::stoul(be, nullptr, 16)), std::stoull(wdata, nullptr, 16)};
      queue.at(port).push_back(r.index);
      reqs.push_back(r);
    }
  }
  FILE* out = fopen(argv[2], "w");

  // Reset with a real edge.
  top->clk_i = 0;
  top->rst_ni = 1;
  top->req_i = 0;
  top->eval();
  top->rst_ni = 0;
  for (int i = 0; i < 4; i++) {
    top->clk_i = 1;
    top->eval();
    top->clk_i = 0;
    top->eval();
  }
  top->rst_ni = 1;
  top->eval();

  std::vector<long> ready_at(num_ports, 0);
  std::vector<long> expect_rvalid(num_ports, -1);  // request index whose data is due
  size_t remaining = reqs.size();
  long cycle = 0;
  const long max_cycles = 100 + 64L * static_cast<long>(reqs.size());
  int errors = 0;
  while ((remaining > 0 || std::any_of(expect_rvalid.begin(), expect_rvalid.end(),
                                       [](long x) { return x >= 0; })) &&
         cycle < max_cycles) {
    std::vector<bool> req_mask(num_ports), gnt_mask(num_ports);
    for (unsigned p = 0; p < num_ports; p++) {
      bool present = !queue[p].empty() && ready_at[p] <= cycle;
      req_mask[p] = present;
      set_bits(top->req_i, p, 1, present);
      if (present) {
        const Request& r = reqs[queue[p].front()];
        set_bits(top->we_i, p, 1, r.we);
        set_bits(top->addr_i, 32 * p, 32, r.addr);
        set_bits(top->be_i, 8 * p, 8, r.be);
        set_bits(top->wdata_i, 64 * p, 64, r.wdata);
      } else {
        // Idle ports drive garbage: the TCDM must ignore everything but req.
        set_bits(top->we_i, p, 1, cycle & 1);
        set_bits(top->addr_i, 32 * p, 32, 0xdead0000u + p);
      }
    }
    top->eval();
    for (unsigned p = 0; p < num_ports; p++) {
      bool rvalid = get_bits(top->rvalid_o, p, 1);
      if (rvalid != (expect_rvalid[p] >= 0)) {
        fprintf(stderr, "cycle %ld port %u: rvalid=%d, expected %d\n", cycle, p, rvalid,
                expect_rvalid[p] >= 0);
        errors++;
      }
      if (expect_rvalid[p] >= 0) reqs[expect_rvalid[p]].rdata = get_bits(top->rdata_o, 64 * p, 64);
      expect_rvalid[p] = -1;
    }
    for (unsigned p = 0; p < num_ports; p++) {
      bool gnt = get_bits(top->gnt_o, p, 1);
      gnt_mask[p] = gnt;
      if (gnt && !req_mask[p]) {
        fprintf(stderr, "cycle %ld port %u: grant without request\n", cycle, p);
        errors++;
      }
      if (gnt && req_mask[p]) {
        Request& r = reqs[queue[p].front()];
        queue[p].pop_front();
        r.grant_cycle = cycle;
        if (!r.we) expect_rvalid[p] = static_cast<long>(r.index);
        ready_at[p] = cycle + 1 + r.delay;
        remaining--;
      }
    }
    fprintf(out, "C %ld %s %s %u\n", cycle, hex_mask(req_mask).c_str(), hex_mask(gnt_mask).c_str(),
            static_cast<unsigned>(top->conflicts_o));
    top->clk_i = 1;
    top->eval();
    top->clk_i = 0;
    top->eval();
    cycle++;
  }
  for (const Request& r : reqs) {
    fprintf(out, "R %zu %ld %016llx\n", r.index, r.grant_cycle,
            static_cast<unsigned long long>(r.rdata));
  }
  fclose(out);
  top->final();
  if (remaining > 0) {
    fprintf(stderr, "timeout: %zu requests never granted after %ld cycles\n", remaining, cycle);
    return 1;
  }
  printf("cycles %ld\n", cycle);
  return errors ? 1 : 0;
}
