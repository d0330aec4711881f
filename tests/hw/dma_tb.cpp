// Verilator testbench for snax_dma: a TCDM model and an L3 model around the DMA, and a
// register-port driver that replays a script.
//
// Built with -DWITH_RTL_TCDM, the top is snax_dma_tcdm_tb instead: the real snax_tcdm serves
// the DMA, the testbench drives its extra read-only ports with random traffic
// (noise_permille per port and cycle), and the TCDM image files are not used (the TCDM is
// only observable through the DMA).
//
// usage: dma_tb params.txt script.txt tcdm.bin l3.bin tcdm_out.bin l3_out.bin
//
// params.txt: `key value` lines: seed, tcdm_deny_permille (each TCDM request is also denied
//   at random, as if another master won its bank), l3_ready_permille, l3_lat_min, l3_lat_max,
//   max_cycles, tcdm_base, tcdm_bytes, l3_base.
// script.txt: one register operation per line:
//   W offset value     write (held until granted)
//   R offset expected  read and compare (expected `-` = don't care)
//   WAIT n             poll DONE until it reaches n
//   IDLE n             n cycles without register traffic
// The TCDM model grants each bank to one request per cycle (read and write channels
// alternate priority), answers reads one cycle after the grant; the L3 model accepts a
// request when ready, performs writes on acceptance and answers reads in order after a random
// latency. The testbench checks the register and response protocols and reports:
//   `wait n cycle c`, `cycles`, `busy_cycles`, `bytes_read`, `bytes_written` on stdout.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#ifdef WITH_RTL_TCDM
#include "Vsnax_dma_tcdm_tb.h"
using Top = Vsnax_dma_tcdm_tb;
#else
#include "Vsnax_dma.h"
using Top = Vsnax_dma;
#endif
#include "tb_bits.h"
#include "verilated.h"

static constexpr unsigned kPorts = 8;
static constexpr unsigned kLineBytes = 64;

struct Op {
  char kind;  // W R A(wait) I(idle)
  uint32_t offset;
  uint64_t value;
  bool check;
};

static std::vector<uint8_t> read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

static void write_file(const char* path, const std::vector<uint8_t>& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

static int fail(const char* msg, long cycle) {
  fprintf(stderr, "cycle %ld: %s\n", cycle, msg);
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s params script tcdm.bin l3.bin tcdm_out.bin l3_out.bin\n", argv[0]);
    return 2;
  }
  std::map<std::string, uint64_t> prm;
  {
    std::ifstream f(argv[1]);
    std::string k;
    uint64_t v;
    while (f >> k >> v) prm[k] = v;
  }
  std::vector<Op> ops;
  {
    std::ifstream f(argv[2]);
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream ls(line);
      std::string kind, a, b;
      ls >> kind >> a >> b;
      if (kind == "W") ops.push_back({'W', static_cast<uint32_t>(std::stoul(a, nullptr, 0)),
                                      std::stoull(b, nullptr, 0), false});
      else if (kind == "R")
        ops.push_back({'R', static_cast<uint32_t>(std::stoul(a, nullptr, 0)),
                       b == "-" ? 0 : std::stoull(b, nullptr, 0), b != "-"});
      else if (kind == "WAIT") ops.push_back({'A', 0x14, std::stoull(a, nullptr, 0), false});
      else if (kind == "IDLE") ops.push_back({'I', 0, std::stoull(a, nullptr, 0), false});
    }
  }
#ifdef WITH_RTL_TCDM
  std::vector<uint8_t> tcdm;
  const unsigned noise_ports = prm.at("noise_ports");
  uint64_t conflicts = 0;
#else
  std::vector<uint8_t> tcdm = read_file(argv[3]);
#endif
  std::vector<uint8_t> l3 = read_file(argv[4]);
  const uint32_t tcdm_base = prm.at("tcdm_base");
  const uint32_t l3_base = prm.at("l3_base");
#ifndef WITH_RTL_TCDM
  if (tcdm.size() != prm.at("tcdm_bytes")) return fail("TCDM image has the wrong size", 0);
#endif
  const unsigned banks = prm.at("tcdm_banks");
  std::mt19937_64 rng(prm.at("seed"));
  auto chance = [&](uint64_t permille) { return rng() % 1000 < permille; };

  auto ctx = std::make_unique<VerilatedContext>();
  ctx->fatalOnError(true);
  auto top = std::make_unique<Top>(ctx.get());

  auto tick = [&]() {
    top->clk_i = 1;
    top->eval();
    top->clk_i = 0;
    top->eval();
  };
  top->clk_i = 0;
  top->rst_ni = 1;
  top->eval();
  top->rst_ni = 0;
  for (int i = 0; i < 4; i++) tick();
  top->rst_ni = 1;
  top->eval();

  struct L3Rsp {
    long due;
    std::array<uint8_t, kLineBytes> data;  // the line as it was when the read was accepted
  };
  std::deque<L3Rsp> l3_rsps;
  long last_due = -1;
  std::vector<bool> rd_rvalid(kPorts, false);
  std::vector<uint64_t> rd_rdata(kPorts, 0);
  size_t op_idx = 0;
  uint64_t idle_left = 0;
  bool reg_rvalid_due = false, reg_pending_read = false;
  long cycle = 0, busy_cycles = 0;
  uint64_t bytes_read = 0, bytes_written = 0;
  const long max_cycles = static_cast<long>(prm.at("max_cycles"));
  const uint32_t l3_size = static_cast<uint32_t>(l3.size());

  while (op_idx < ops.size() || reg_rvalid_due) {
    if (cycle >= max_cycles) return fail("timeout (script not finished)", cycle);
    // Inputs that do not depend on this cycle's outputs.
#ifdef WITH_RTL_TCDM
    for (unsigned p = 0; p < noise_ports; p++) {
      set_bits(top->noise_req_i, p, 1, chance(prm.at("noise_permille")));
      uint32_t word = static_cast<uint32_t>(rng() % (prm.at("tcdm_bytes") / 8));
      set_bits(top->noise_addr_i, 32 * p, 32, tcdm_base + 8 * word);
    }
#else
    for (unsigned p = 0; p < kPorts; p++) {
      set_bits(top->tcdm_rd_rvalid_i, p, 1, rd_rvalid[p]);
      set_bits(top->tcdm_rd_rdata_i, 64 * p, 64, rd_rdata[p]);
      rd_rvalid[p] = false;
    }
    top->tcdm_wr_rvalid_i = 0;
#endif
    bool rsp = !l3_rsps.empty() && l3_rsps.front().due <= cycle;
    top->l3_rsp_valid_i = rsp;
    if (rsp) {
      const auto& line = l3_rsps.front().data;
      for (unsigned i = 0; i < kLineBytes; i++) set_bits(top->l3_rsp_rdata_i, 8 * i, 8, line[i]);
      l3_rsps.pop_front();
    }
    // Register port.
    const Op* op = op_idx < ops.size() ? &ops[op_idx] : nullptr;
    bool drive = false;
    if (op && op->kind == 'I') {
      if (idle_left == 0) idle_left = op->value + 1;
      if (--idle_left == 0) op_idx++;
    } else if (op && !reg_pending_read) {
      drive = true;
      top->reg_we_i = op->kind == 'W';
      top->reg_addr_i = op->offset;
      top->reg_wdata_i = static_cast<uint32_t>(op->value);
      top->reg_be_i = 0xf;
    }
    top->reg_req_i = drive;
    top->l3_req_ready_i = 0;
#ifndef WITH_RTL_TCDM
    top->tcdm_rd_gnt_i = 0;
    top->tcdm_wr_gnt_i = 0;
#endif
    top->eval();

    // Register response of last cycle's grant.
    if (top->reg_rvalid_o != reg_rvalid_due) return fail("reg rvalid not one cycle after grant", cycle);
    if (reg_rvalid_due && reg_pending_read) {
      const Op& rop = ops[op_idx];
      uint32_t got = top->reg_rdata_o;
      if (rop.kind == 'R' && rop.check && got != static_cast<uint32_t>(rop.value)) {
        fprintf(stderr, "cycle %ld: register 0x%02x read 0x%08x, expected 0x%08x\n", cycle,
                rop.offset, got, static_cast<uint32_t>(rop.value));
        return 1;
      }
      if (rop.kind == 'A') {
        if (got >= rop.value) {
          printf("wait %llu cycle %ld\n", static_cast<unsigned long long>(rop.value), cycle);
          op_idx++;
        }
      } else {
        op_idx++;
      }
      reg_pending_read = false;
    }
    reg_rvalid_due = false;
    if (drive && top->reg_gnt_o) {
      reg_rvalid_due = true;
      if (op->kind == 'W') op_idx++;
      else reg_pending_read = true;
    }

#ifdef WITH_RTL_TCDM
    conflicts += top->conflicts_o;
#else
    // TCDM: one grant per bank; random denial models other masters.
    std::vector<int> bank_owner(banks, -1);
    uint32_t rd_gnt = 0, wr_gnt = 0;
    bool wr_first = cycle & 1;
    for (int pass = 0; pass < 2; pass++) {
      bool wr = (pass == 0) == wr_first;
      for (unsigned p = 0; p < kPorts; p++) {
        bool req = get_bits(wr ? top->tcdm_wr_req_o : top->tcdm_rd_req_o, p, 1);
        if (!req) continue;
        uint32_t addr = get_bits(wr ? top->tcdm_wr_addr_o : top->tcdm_rd_addr_o, 32 * p, 32);
        uint32_t off = addr - tcdm_base;
        if (off >= tcdm.size() || (addr & 7)) {
          fprintf(stderr, "cycle %ld: TCDM %s port %u address 0x%08x invalid\n", cycle,
                  wr ? "write" : "read", p, addr);
          return 1;
        }
        unsigned bank = (off / 8) % banks;
        if (bank_owner[bank] >= 0 || chance(prm.at("tcdm_deny_permille"))) continue;
        bank_owner[bank] = static_cast<int>(p);
        if (wr) {
          wr_gnt |= 1u << p;
          if (!get_bits(top->tcdm_wr_we_o, p, 1)) return fail("write channel without we", cycle);
          uint64_t be = get_bits(top->tcdm_wr_be_o, 8 * p, 8);
          uint64_t wdata = get_bits(top->tcdm_wr_wdata_o, 64 * p, 64);
          for (unsigned i = 0; i < 8; i++)
            if ((be >> i) & 1) tcdm[off + i] = static_cast<uint8_t>(wdata >> (8 * i));
        } else {
          rd_gnt |= 1u << p;
          if (get_bits(top->tcdm_rd_we_o, p, 1)) return fail("read channel with we", cycle);
          uint64_t v = 0;
          for (unsigned i = 0; i < 8; i++) v |= static_cast<uint64_t>(tcdm[off + i]) << (8 * i);
          rd_rvalid[p] = true;
          rd_rdata[p] = v;
        }
      }
    }
    // Writes are applied right away above; a read granted in the same cycle to the same bank is
    // impossible (one grant per bank), so ordering within the cycle does not matter.
    top->tcdm_rd_gnt_i = rd_gnt;
    top->tcdm_wr_gnt_i = wr_gnt;
#endif

    // L3 port.
    bool l3_ready = chance(prm.at("l3_ready_permille"));
    top->l3_req_ready_i = l3_ready;
    if (top->l3_req_valid_o && l3_ready) {
      uint32_t addr = top->l3_req_addr_o;
      uint32_t off = addr - l3_base;
      if ((addr & (kLineBytes - 1)) || addr < l3_base || off >= l3_size) {
        fprintf(stderr, "cycle %ld: L3 address 0x%08x invalid\n", cycle, addr);
        return 1;
      }
      if (top->l3_req_we_o) {
        uint64_t strb = top->l3_req_strb_o;
        for (unsigned i = 0; i < kLineBytes; i++)
          if ((strb >> i) & 1) l3[off + i] = static_cast<uint8_t>(get_bits(top->l3_req_wdata_o, 8 * i, 8));
      } else {
        uint64_t lat = prm.at("l3_lat_min") + rng() % (prm.at("l3_lat_max") - prm.at("l3_lat_min") + 1);
        long due = std::max(cycle + static_cast<long>(lat), last_due + 1);
        last_due = due;
        L3Rsp r{due, {}};
        std::copy_n(l3.begin() + off, kLineBytes, r.data.begin());
        l3_rsps.push_back(r);
      }
    }
    top->eval();
    busy_cycles += top->busy_o;
    bytes_read += top->bytes_read_o;
    bytes_written += top->bytes_written_o;
    tick();
    cycle++;
  }
  // Drain: the DMA must be idle with nothing outstanding.
  for (int i = 0; i < 4; i++) {
    top->reg_req_i = 0;
    top->l3_rsp_valid_i = 0;
    top->eval();
#ifdef WITH_RTL_TCDM
    const bool tcdm_active = false;
#else
    const bool tcdm_active = top->tcdm_rd_req_o || top->tcdm_wr_req_o;
#endif
    if (top->busy_o || top->l3_req_valid_o || tcdm_active)
      return fail("DMA still active after the script", cycle);
    tick();
  }
  if (!l3_rsps.empty()) return fail("L3 responses left over", cycle);
  top->final();
#ifdef WITH_RTL_TCDM
  printf("tcdm_conflicts %llu\n", static_cast<unsigned long long>(conflicts));
#endif
  write_file(argv[5], tcdm);
  write_file(argv[6], l3);
  printf("cycles %ld\nbusy_cycles %ld\nbytes_read %llu\nbytes_written %llu\n", cycle, busy_cycles,
         static_cast<unsigned long long>(bytes_read), static_cast<unsigned long long>(bytes_written));
  return 0;
}
