#pragma once
// Small helpers the scenario files share: rates and rounding for the report,
// /proc samples of the server and of chatbench itself, the progress line.
#include "proc_stats.hpp"
#include "scenario.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace chatbench {

/// A message text of `bytes` bytes (at least 1): `prefix`, then a…z (rooms.cpp).
std::string filler_text(std::string_view prefix, std::size_t bytes);

/// v rounded to a multiple of `step` (0.001, 0.01, …); dividing by the inverse
/// gives the double nearest the decimal (0.416, not 0.41600000000000004).
inline double round_to(double v, double step) {
  const double inv = std::round(1.0 / step);
  return std::round(v * inv) / inv;
}

/// A rate as a whole number: plain in JSON (Boost.JSON writes doubles as 1.2E3).
inline std::uint64_t per_second(std::uint64_t n, double seconds) {
  return static_cast<std::uint64_t>(std::llround(static_cast<double>(n) / std::max(seconds, 1e-9)));
}

inline std::vector<proc_sample> sample_all(const std::vector<int>& pids) {
  std::vector<proc_sample> out;
  for (int pid : pids)
    if (auto s = sample_process(pid))
      out.push_back(*s);
  return out;
}

inline std::optional<proc_sample> sample_self() { return sample_process(static_cast<int>(::getpid())); }

inline boost::json::array nodes_json(const common_options& common) {
  boost::json::array nodes;
  for (const auto& n : common.nodes)
    nodes.push_back(boost::json::value(n.text()));
  return nodes;
}

/// chatbench's own CPU over a run: {cpu_seconds, cpu_share (of one core over
/// the wall time), cpu_us_per_delivery}; a share near --threads means the
/// client, not the server, was the limit.
inline boost::json::object client_json(const std::optional<proc_sample>& before,
                                       const std::optional<proc_sample>& after, double wall_seconds,
                                       std::uint64_t deliveries) {
  boost::json::object o;
  if (!before || !after)
    return o;
  const double cpu = after->cpu_seconds - before->cpu_seconds;
  o["cpu_seconds"] = std::round(cpu * 100) / 100;
  o["cpu_share"] = wall_seconds > 0 ? std::round(cpu / wall_seconds * 100) / 100 : 0.0;
  o["cpu_us_per_delivery"] = deliveries ? std::round(cpu * 1e6 / static_cast<double>(deliveries) * 100) / 100 : 0.0;
  o["rss_kib"] = after->rss_kib;
  return o;
}

/// The live progress line on stderr: rewritten in place on a terminal, one
/// line per update otherwise; nothing with -q.
class progress_line {
public:
  explicit progress_line(bool enabled) : enabled_(enabled), tty_(::isatty(STDERR_FILENO) != 0) {}
  ~progress_line() { end(); }

  [[gnu::format(printf, 2, 3)]] void update(const char* fmt, ...) {
    if (!enabled_)
      return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    std::fprintf(stderr, "%s%s%s", tty_ ? "\r" : "", buf, tty_ ? "   " : "\n");
    std::fflush(stderr);
    pending_ = tty_;
  }
  /// Ends the in-place line (before any other output).
  void end() {
    if (pending_)
      std::fprintf(stderr, "\n");
    pending_ = false;
  }
  void note(const std::string& s) {
    if (!enabled_)
      return;
    end();
    std::fprintf(stderr, "%s\n", s.c_str());
  }

private:
  bool enabled_;
  bool tty_;
  bool pending_ = false;
};

} // namespace chatbench
