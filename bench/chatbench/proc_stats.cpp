#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace chatbench {

std::optional<std::uint64_t> parse_stat_ticks(std::string_view stat) {
  auto close = stat.rfind(')');
  if (close == std::string_view::npos)
    return std::nullopt;
  auto rest = stat.substr(close + 1);
  // after ')': field 3 (state) is the 1st token; utime is field 14, stime 15
  std::uint64_t ut = 0, st = 0;
  int field = 2;
  std::size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && rest[pos] == ' ')
      ++pos;
    if (pos >= rest.size())
      break;
    auto end = rest.find(' ', pos);
    if (end == std::string_view::npos)
      end = rest.size();
    ++field;
    auto tok = rest.substr(pos, end - pos);
    if (field == 14 || field == 15) {
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      if (ec != std::errc{} || p != tok.data() + tok.size())
        return std::nullopt;
      (field == 14 ? ut : st) = v;
      if (field == 15)
        return ut + st;
    }
    pos = end;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key) {
  std::size_t pos = 0;
  while (pos < status.size()) {
    auto nl = status.find('\n', pos);
    auto line = status.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? status.size() : nl + 1;
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      auto v = line.substr(key.size() + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t'))
        v.remove_prefix(1);
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{})
        return std::nullopt;
      return n;  // the kernel reports kB (= KiB)
    }
  }
  return std::nullopt;
}

namespace {
std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
} // namespace

std::optional<proc_sample> sample_process(int pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/";
  auto stat = slurp(dir + "stat");
  auto status = slurp(dir + "status");
  if (!stat || !status)
    return std::nullopt;
  auto ticks = parse_stat_ticks(*stat);
  if (!ticks)
    return std::nullopt;
  static const long hz = ::sysconf(_SC_CLK_TCK);
  proc_sample s;
  s.pid = pid;
  s.cpu_seconds = static_cast<double>(*ticks) / static_cast<double>(hz > 0 ? hz : 100);
  s.rss_kib = parse_status_kib(*status, "VmRSS").value_or(0);
  s.hwm_kib = parse_status_kib(*status, "VmHWM").value_or(0);
  return s;
}

pid_list parse_pid_list(std::string_view text) {
  pid_list out;
  while (!text.empty()) {
    auto comma = text.find(',');
    auto tok = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (tok.empty())
      continue;
    int v = 0;
    auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (ec != std::errc{} || p != tok.data() + tok.size() || v <= 0) {
      out.error = "bad pid '" + std::string(tok) + "'";
      out.pids.clear();
      return out;
    }
    out.pids.push_back(v);
  }
  return out;
}

namespace {
std::optional<std::uint64_t> limit_value(std::string_view tok) {
  if (tok == "unlimited")
    return UINT64_MAX;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
  if (ec != std::errc{} || p != tok.data() + tok.size())
    return std::nullopt;
  return v;
}

std::string_view next_token(std::string_view& s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  auto end = s.find_first_of(" \t");
  auto tok = s.substr(0, end);
  s.remove_prefix(end == std::string_view::npos ? s.size() : end);
  return tok;
}
} // namespace

std::optional<fd_limits> parse_limits_nofile(std::string_view limits) {
  static constexpr std::string_view key = "Max open files";
  std::size_t pos = 0;
  while (pos < limits.size()) {
    auto nl = limits.find('\n', pos);
    auto line = limits.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? limits.size() : nl + 1;
    if (line.substr(0, key.size()) != key)
      continue;
    line.remove_prefix(key.size());
    auto soft = limit_value(next_token(line));
    auto hard = limit_value(next_token(line));
    if (!soft || !hard)
      return std::nullopt;
    return fd_limits{*soft, *hard};
  }
  return std::nullopt;
}

std::optional<fd_limits> process_fd_limits(int pid) {
  auto text = slurp("/proc/" + std::to_string(pid) + "/limits");
  if (!text)
    return std::nullopt;
  return parse_limits_nofile(*text);
}

fd_limits raise_fd_limit() noexcept {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return {};
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &want) == 0)
      rl = want;
  }
  auto v = [](rlim_t x) { return x == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(x); };
  return {v(rl.rlim_cur), v(rl.rlim_max)};
}

} // namespace chatbench
