// Group-commit throughput and latency of chat::storage under closed-loop
// appenders: each appender keeps exactly one append outstanding and submits
// its next one from the completion, like a client waiting for its ack.
//
//   storage_bench [--seconds S] [--dir PARENT] [--levels 1,8,64,512] [--async] [--only-async]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "storage/database.hpp"
#include "storage/keys.hpp"

using namespace chat;
using namespace chat::storage;
using clock_type = std::chrono::steady_clock;

namespace {

struct config {
  double seconds = 3.0;
  std::string parent = "/tmp";
  std::vector<std::size_t> levels{1, 8, 64, 512};
  bool sync = true;
  bool async = false;
};

struct result {
  double per_second = 0;
  double p50_us = 0, p99_us = 0;
  double ops_per_batch = 0, write_ms = 0;
};

struct appender {
  std::string conv;          // 26-byte conversation id, like chat ids
  std::uint64_t seq = 0;
  clock_type::time_point submitted;
  std::vector<std::uint32_t> latencies_us; // written on the storage writer thread only
};

class run_state {
public:
  run_state(database& db, std::size_t n) : db_(db), appenders_(n), value_(200, 'v') {
    for (std::size_t i = 0; i < n; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "c_0001%020zu", i);
      appenders_[i].conv = id;
      appenders_[i].latencies_us.reserve(1 << 16);
    }
  }

  result run(double seconds) {
    const auto before = db_.get_stats();
    start_ = clock_type::now();
    outstanding_ = appenders_.size();
    for (std::size_t i = 0; i < appenders_.size(); ++i)
      submit(i);
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop_ = true;
    const auto acked = acked_.load();
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start_).count();
    {
      std::unique_lock lock(m_);
      drained_.wait(lock, [&] { return outstanding_ == 0; });
    }
    const auto after = db_.get_stats();

    std::vector<std::uint32_t> all;
    for (auto& a : appenders_)
      all.insert(all.end(), a.latencies_us.begin(), a.latencies_us.end());
    result r;
    r.per_second = static_cast<double>(acked) / elapsed;
    if (!all.empty()) {
      auto pct = [&](double q) {
        auto k = static_cast<std::size_t>(q * static_cast<double>(all.size() - 1));
        std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
        return static_cast<double>(all[k]);
      };
      r.p50_us = pct(0.50);
      r.p99_us = pct(0.99);
    }
    const auto batches = after.batches - before.batches;
    if (batches) {
      r.ops_per_batch = static_cast<double>(after.ops - before.ops) / static_cast<double>(batches);
      r.write_ms = static_cast<double>(after.sync_ns_total - before.sync_ns_total) / 1e6 / static_cast<double>(batches);
    }
    return r;
  }

private:
  void submit(std::size_t i) {
    auto& a = appenders_[i];
    write_batch b;
    b.put(column::messages, key_with_u64(a.conv, ++a.seq), value_);
    a.submitted = clock_type::now();
    db_.commit(std::move(b), [this, i](errc e) { completed(i, e); });
  }

  // Runs on the storage writer thread (or inline when the queue is full).
  void completed(std::size_t i, errc e) {
    auto& a = appenders_[i];
    if (e != errc::ok) {
      std::fprintf(stderr, "append failed: %d\n", static_cast<int>(e));
      std::exit(1);
    }
    const auto now = clock_type::now();
    if (!stop_) {
      a.latencies_us.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - a.submitted).count()));
      ++acked_;
      submit(i);
      return;
    }
    std::lock_guard lock(m_);
    if (--outstanding_ == 0)
      drained_.notify_all();
  }

  database& db_;
  std::vector<appender> appenders_;
  const std::string value_;
  clock_type::time_point start_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> acked_{0};
  std::mutex m_;
  std::condition_variable drained_;
  std::size_t outstanding_ = 0;
};

result measure(const config& cfg, durability mode, std::size_t appenders) {
  const auto dir = std::filesystem::path(cfg.parent) /
                   ("chat-storage-bench-" + std::to_string(getpid()) + "-" + std::to_string(appenders));
  std::filesystem::remove_all(dir);
  result r;
  {
    options o;
    o.path = dir.string();
    o.mode = mode;
    std::string error;
    auto db = database::open(o, &error);
    if (!db) {
      std::fprintf(stderr, "%s\n", error.c_str());
      std::exit(1);
    }
    run_state state(*db, appenders);
    r = state.run(cfg.seconds);
  }
  std::filesystem::remove_all(dir);
  return r;
}

std::vector<std::size_t> parse_levels(const char* text) {
  std::vector<std::size_t> out;
  for (const char* p = text; *p;) {
    char* end = nullptr;
    const auto v = std::strtoul(p, &end, 10);
    if (end == p || v == 0) {
      std::fprintf(stderr, "bad --levels '%s'\n", text);
      std::exit(2);
    }
    out.push_back(v);
    p = *end == ',' ? end + 1 : end;
  }
  return out;
}

config parse(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--seconds")
      c.seconds = std::atof(next());
    else if (a == "--dir")
      c.parent = next();
    else if (a == "--levels")
      c.levels = parse_levels(next());
    else if (a == "--async")
      c.async = true;
    else if (a == "--only-async")
      c.async = true, c.sync = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [--seconds S] [--dir PARENT] [--levels 1,8,64,512] [--async] [--only-async]\n",
                   argv[0]);
      std::exit(a == "--help" || a == "-h" ? 0 : 2);
    }
  }
  return c;
}

} // namespace

int main(int argc, char** argv) {
  const config cfg = parse(argc, argv);
  std::printf("closed-loop appends of 200-byte records, %.1f s per level, under %s\n", cfg.seconds,
              cfg.parent.c_str());
  std::printf("%-6s %10s %14s %10s %10s %12s %12s\n", "mode", "appenders", "acked/s", "p50 us", "p99 us",
              "ops/write", "ms/write");
  std::vector<durability> modes;
  if (cfg.sync)
    modes.push_back(durability::sync);
  if (cfg.async)
    modes.push_back(durability::async);
  for (auto mode : modes)
    for (auto n : cfg.levels) {
      const auto r = measure(cfg, mode, n);
      std::printf("%-6s %10zu %14.0f %10.0f %10.0f %12.1f %12.3f\n", mode == durability::sync ? "sync" : "async", n,
                  r.per_second, r.p50_us, r.p99_us, r.ops_per_batch, r.write_ms);
      std::fflush(stdout);
    }
  return 0;
}
