// Verilator harness of the snaxc cluster with a C ABI (docs/hardware.md), loaded by the
// Python runtime with ctypes. It owns one Verilated `snax_cluster` per instance, models the
// L3 memory behind the cluster's 512-bit port and runs the clock.
//
// Built by snaxc.runtime.build (Verilator --cc --build, linked into a shared library) with
// VL_USER_FATAL and VL_USER_STOP defined: this file implements vl_fatal/vl_stop, so an RTL
// assertion, $fatal or $stop ends the run with status 3 (message: snax_sim_error) instead
// of exiting the host process. A model built with --trace writes a VCD waveform when
// snax_sim_new gets a path (FST would need liblz4, which a pip-only install lacks).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "Vsnax_cluster.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

extern "C" {
typedef struct {
  uint64_t cycles;
  uint32_t status;  // 0 exited, 1 budget exhausted, 2 trap, 3 simulation error
  uint32_t exit_code;
  uint32_t pc;
  uint32_t trap_cause, trap_pc, trap_tval;
} snax_run_result_t;
}

namespace {

constexpr uint64_t kL3Base = 0x80000000ull;
constexpr uint32_t kLineBytes = 64;
constexpr int kResetCycles = 4;
constexpr size_t kPerfWords =
    std::remove_reference_t<decltype(std::declval<Vsnax_cluster &>().perf_o)>::Words;

enum Status : uint32_t { kExited = 0, kBudget = 1, kTrap = 2, kError = 3 };

struct PendingRead {
  uint64_t due;     // cycle in which the response is presented
  uint64_t offset;  // L3 offset of the line
};

struct Sim {
  std::unique_ptr<VerilatedContext> ctx;
  std::unique_ptr<Vsnax_cluster> top;
#if VM_TRACE
  std::unique_ptr<VerilatedVcdC> wave;
#endif
  uint8_t *l3 = nullptr;  // calloc'ed: untouched pages cost nothing
  uint64_t l3_bytes = 0;
  uint32_t latency = 1;
  std::vector<PendingRead> ring;  // in-order read responses, at most latency + 1 in flight
  size_t ring_head = 0, ring_count = 0;
  uint64_t cycles = 0;  // cycles since reset was released
  bool started = false;
  uint32_t status = kBudget;
  snax_run_result_t last = {};
  std::string output;  // PUTCHAR characters not yet taken
  std::string error;   // why the run ended with kError
};

// The instance whose model is being evaluated (vl_fatal/vl_stop have no context argument).
thread_local Sim *g_current = nullptr;

void fail(Sim *s, const std::string &msg) {
  if (s->error.empty()) s->error = msg;
  s->status = kError;
}

inline void dump(Sim *s) {
#if VM_TRACE
  if (s->wave) s->wave->dump(s->ctx->time());
#else
  (void)s;
#endif
}

// One full clock cycle: rising edge, then falling edge. Inputs must be set before the call.
inline void tick(Sim *s) {
  Vsnax_cluster *top = s->top.get();
  top->clk_i = 1;
  top->eval();
  s->ctx->timeInc(1);
  dump(s);
  top->clk_i = 0;
  top->eval();
  s->ctx->timeInc(1);
  dump(s);
}

void host_cycle(Sim *s, bool we, uint32_t addr, uint32_t wdata) {
  Vsnax_cluster *top = s->top.get();
  top->host_req_i = 1;
  top->host_we_i = we;
  top->host_addr_i = addr;
  top->host_wdata_i = wdata;
  tick(s);
  top->host_req_i = 0;
  top->host_we_i = 0;
}

uint32_t host_read(Sim *s, uint32_t addr) {
  host_cycle(s, false, addr, 0);
  return s->top->host_rdata_o;
}

void release_reset(Sim *s) {
  Vsnax_cluster *top = s->top.get();
  top->rst_ni = 1;
  top->fetch_en_i = 1;
  top->eval();
  s->started = true;
}

// The L3 port in the current cycle (clock low, inputs of this cycle applied): accept the
// request, if any. Writes are performed at acceptance; reads are queued.
inline void l3_accept(Sim *s) {
  Vsnax_cluster *top = s->top.get();
  if (!top->l3_req_valid_o) return;
  const uint64_t addr = top->l3_req_addr_o;
  const uint64_t off = addr - kL3Base;
  if (addr < kL3Base || (addr & (kLineBytes - 1)) || off + kLineBytes > s->l3_bytes) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "L3 %s at 0x%08llx is outside L3 or not 64-byte aligned",
                  top->l3_req_we_o ? "write" : "read", (unsigned long long)addr);
    fail(s, buf);
    return;
  }
  if (top->l3_req_we_o) {
    const uint64_t strb = top->l3_req_strb_o;
    const uint8_t *src = reinterpret_cast<const uint8_t *>(top->l3_req_wdata_o.data());
    if (strb == ~0ull) {
      std::memcpy(s->l3 + off, src, kLineBytes);
    } else {
      for (uint32_t b = 0; b < kLineBytes; ++b)
        if ((strb >> b) & 1) s->l3[off + b] = src[b];
    }
  } else {
    const size_t cap = s->ring.size();
    s->ring[(s->ring_head + s->ring_count) % cap] = {s->cycles + s->latency, off};
    ++s->ring_count;
  }
}

// Present the read response due in the coming cycle `s->cycles` (called with clock high).
inline void l3_respond(Sim *s) {
  Vsnax_cluster *top = s->top.get();
  if (s->ring_count && s->ring[s->ring_head].due == s->cycles) {
    const PendingRead &r = s->ring[s->ring_head];
    std::memcpy(top->l3_rsp_rdata_i.data(), s->l3 + r.offset, kLineBytes);
    top->l3_rsp_valid_i = 1;
    s->ring_head = (s->ring_head + 1) % s->ring.size();
    --s->ring_count;
  } else {
    top->l3_rsp_valid_i = 0;
  }
}

void fill_result(Sim *s, snax_run_result_t *out) {
  Vsnax_cluster *top = s->top.get();
  snax_run_result_t &r = s->last;
  r.cycles = s->cycles;
  r.status = s->status;
  r.pc = top->pc_o;
  if (out) *out = r;
}

}  // namespace

// Verilator's fatal/stop hooks (enabled by -DVL_USER_FATAL -DVL_USER_STOP).
void vl_fatal(const char *filename, int linenum, const char *hier, const char *msg) {
  (void)hier;
  Verilated::threadContextp()->gotError(true);
  Verilated::threadContextp()->gotFinish(true);
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s:%d: %s", filename, linenum, msg);
  std::fprintf(stderr, "%%Error: %s\n", buf);
  if (g_current) fail(g_current, buf);
}

void vl_stop(const char *filename, int linenum, const char *hier) {
  (void)hier;
  Verilated::threadContextp()->gotError(true);
  char buf[512];
  std::snprintf(buf, sizeof buf, "RTL assertion or $stop at %s:%d", filename, linenum);
  if (g_current) fail(g_current, buf);
}

extern "C" {

void *snax_sim_new(uint64_t l3_bytes, uint32_t l3_latency, const char *wave_path) {
#if !VM_TRACE
  if (wave_path) {
    std::fprintf(stderr, "snax_sim_new: this model was built without waveform support\n");
    return nullptr;
  }
#endif
  if (l3_latency < 1) l3_latency = 1;
  Sim *s = new Sim;
  s->l3 = static_cast<uint8_t *>(std::calloc(l3_bytes ? l3_bytes : 1, 1));
  if (!s->l3) {
    delete s;
    return nullptr;
  }
  s->l3_bytes = l3_bytes;
  s->latency = l3_latency;
  s->ring.resize(l3_latency + 2);
  s->ctx = std::make_unique<VerilatedContext>();
  s->ctx->fatalOnError(false);
  s->ctx->fatalOnVpiError(false);
#if VM_TRACE
  if (wave_path) s->ctx->traceEverOn(true);
#endif
  s->top = std::make_unique<Vsnax_cluster>(s->ctx.get(), "TOP");
#if VM_TRACE
  if (wave_path) {
    s->wave = std::make_unique<VerilatedVcdC>();
    s->top->trace(s->wave.get(), 99);
    s->wave->open(wave_path);
  }
#endif
  g_current = s;
  Vsnax_cluster *top = s->top.get();
  // A real reset edge (Ibex needs it): high, then low. Reset stays low, with the core
  // memory's host port usable, until the first snax_sim_run releases it and starts fetch.
  top->clk_i = 0;
  top->rst_ni = 1;
  top->fetch_en_i = 0;
  top->host_req_i = 0;
  top->l3_req_ready_i = 1;  // one request per cycle, always
  top->l3_rsp_valid_i = 0;
  top->eval();
  tick(s);
  top->rst_ni = 0;
  for (int i = 0; i < kResetCycles; ++i) tick(s);
  g_current = nullptr;
  return s;
}

void snax_sim_free(void *sim) {
  Sim *s = static_cast<Sim *>(sim);
  if (!s) return;
#if VM_TRACE
  if (s->wave) s->wave->close();
#endif
  s->top->final();
  s->top.reset();
  std::free(s->l3);
  delete s;
}

void snax_sim_write_core_mem(void *sim, uint32_t addr, const uint8_t *data, uint32_t len) {
  Sim *s = static_cast<Sim *>(sim);
  g_current = s;
  uint32_t i = 0;
  while (i < len) {
    const uint32_t a = addr + i;
    const uint32_t word = a & ~3u;
    const uint32_t lo = a & 3u;
    const uint32_t n = (4 - lo) < (len - i) ? (4 - lo) : (len - i);
    uint32_t w;
    if (lo == 0 && n == 4) {
      std::memcpy(&w, data + i, 4);
    } else {
      w = host_read(s, word);
      std::memcpy(reinterpret_cast<uint8_t *>(&w) + lo, data + i, n);
    }
    host_cycle(s, true, word, w);
    i += n;
  }
  g_current = nullptr;
}

void snax_sim_read_core_mem(void *sim, uint32_t addr, uint8_t *data, uint32_t len) {
  Sim *s = static_cast<Sim *>(sim);
  g_current = s;
  uint32_t i = 0;
  while (i < len) {
    const uint32_t a = addr + i;
    const uint32_t lo = a & 3u;
    const uint32_t n = (4 - lo) < (len - i) ? (4 - lo) : (len - i);
    const uint32_t w = host_read(s, a & ~3u);
    std::memcpy(data + i, reinterpret_cast<const uint8_t *>(&w) + lo, n);
    i += n;
  }
  g_current = nullptr;
}

void snax_sim_write_l3(void *sim, uint64_t offset, const uint8_t *data, uint64_t len) {
  Sim *s = static_cast<Sim *>(sim);
  if (offset > s->l3_bytes || len > s->l3_bytes - offset) return;
  std::memcpy(s->l3 + offset, data, len);
}

void snax_sim_read_l3(void *sim, uint64_t offset, uint8_t *data, uint64_t len) {
  Sim *s = static_cast<Sim *>(sim);
  if (offset > s->l3_bytes || len > s->l3_bytes - offset) return;
  std::memcpy(data, s->l3 + offset, len);
}

int snax_sim_run(void *sim, uint64_t max_cycles, snax_run_result_t *out) {
  Sim *s = static_cast<Sim *>(sim);
  if (!s) return -1;
  if (s->status != kBudget) {  // already ended: report the same result again
    fill_result(s, out);
    return 0;
  }
  g_current = s;
  if (!s->started) release_reset(s);
  Vsnax_cluster *top = s->top.get();
  const uint64_t stop = s->cycles + max_cycles;
  // Invariant at the top of the loop: clock low, inputs of cycle `s->cycles` applied.
  while (s->cycles < stop) {
    l3_accept(s);
    top->clk_i = 1;
    top->eval();
    ++s->cycles;
    s->ctx->timeInc(1);
    dump(s);
    // Registered outputs of the cycle that just ended.
    if (top->char_valid_o) s->output.push_back(static_cast<char>(top->char_o));
    if (top->exit_valid_o) {
      s->last.exit_code = top->exit_code_o;
      s->status = kExited;
    }
    if (top->trap_valid_o) {
      s->last.trap_cause = top->trap_cause_o;
      s->last.trap_pc = top->trap_pc_o;
      s->last.trap_tval = top->trap_tval_o;
      s->status = kTrap;
    }
    l3_respond(s);
    top->clk_i = 0;
    top->eval();
    s->ctx->timeInc(1);
    dump(s);
    if (s->status != kBudget) break;
  }
  g_current = nullptr;
  fill_result(s, out);
  return 0;
}

uint32_t snax_sim_num_perf(void *sim) {
  (void)sim;
  // perf_o is NumPerfCounters x 64 bit: two 32-bit words per counter.
  return static_cast<uint32_t>(kPerfWords / 2);
}

uint64_t snax_sim_perf(void *sim, uint32_t idx) {
  Sim *s = static_cast<Sim *>(sim);
  if (idx >= snax_sim_num_perf(sim)) return 0;
  const auto &p = s->top->perf_o;
  return static_cast<uint64_t>(p[2 * idx]) | (static_cast<uint64_t>(p[2 * idx + 1]) << 32);
}

uint64_t snax_sim_take_output(void *sim, char *buf, uint64_t cap) {
  Sim *s = static_cast<Sim *>(sim);
  const uint64_t n = s->output.size() < cap ? s->output.size() : cap;
  std::memcpy(buf, s->output.data(), n);
  s->output.erase(0, n);
  return n;
}

const char *snax_sim_error(void *sim) {
  Sim *s = static_cast<Sim *>(sim);
  return s->error.c_str();
}

}  // extern "C"
