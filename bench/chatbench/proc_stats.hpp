#pragma once
// A server process's CPU time and memory, read from /proc (Linux), so a run
// can report CPU per acknowledged send / per delivery and RSS.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatbench {

struct proc_sample {
  int pid = 0;
  double cpu_seconds = 0;        ///< utime + stime
  std::uint64_t rss_kib = 0;     ///< VmRSS
  std::uint64_t hwm_kib = 0;     ///< VmHWM (peak RSS)
};

/// utime + stime in clock ticks from the text of /proc/PID/stat (the comm
/// field may hold spaces and parentheses: fields are counted after the last ')').
std::optional<std::uint64_t> parse_stat_ticks(std::string_view stat);
/// A `Key:   N kB` line of /proc/PID/status, in KiB.
std::optional<std::uint64_t> parse_status_kib(std::string_view status, std::string_view key);

/// Reads /proc/PID/{stat,status}; nullopt when the process is gone.
std::optional<proc_sample> sample_process(int pid);

/// "123,456" → {123, 456}; empty error when fine.
struct pid_list {
  std::vector<int> pids;
  std::string error;
};
pid_list parse_pid_list(std::string_view text);

/// A process's open-files limit (RLIMIT_NOFILE); "unlimited" is UINT64_MAX.
struct fd_limits {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};
/// The `Max open files` line of the text of /proc/PID/limits.
std::optional<fd_limits> parse_limits_nofile(std::string_view limits);
/// /proc/PID/limits read and parsed; nullopt when the process is gone.
std::optional<fd_limits> process_fd_limits(int pid);
/// Raises this process's soft RLIMIT_NOFILE to its hard limit (an idle run
/// holds one descriptor per connection); returns the limits in force after.
fd_limits raise_fd_limit() noexcept;

} // namespace chatbench
