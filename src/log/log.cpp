#include "log/log.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <unistd.h>

#include <boost/json/serialize.hpp>

namespace chat::log {
namespace {

std::atomic<int> min_level{static_cast<int>(level::info)};
std::mutex node_mutex;
std::string node_name = "-";

std::string_view level_name(level l) {
  switch (l) {
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
  }
  return "info";
}

} // namespace

void configure(std::string_view node_id, level l) {
  std::lock_guard guard{node_mutex};
  node_name = node_id;
  min_level = static_cast<int>(l);
}

bool parse_level(std::string_view name, level& out) {
  for (auto l : {level::debug, level::info, level::warn, level::error})
    if (level_name(l) == name) {
      out = l;
      return true;
    }
  return false;
}

bool enabled(level l) noexcept { return static_cast<int>(l) >= min_level.load(); }

void write(level l, std::string_view component, std::string_view message,
           std::initializer_list<field> fields) {
  if (!enabled(l))
    return;
  using namespace std::chrono;
  auto now_ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  boost::json::object line;
  line["ts"] = now_ms;
  line["level"] = level_name(l);
  {
    std::lock_guard guard{node_mutex};
    line["node"] = node_name;
  }
  line["component"] = component;
  line["msg"] = message;
  for (const auto& f : fields)
    line[f.key] = f.value;
  std::string text = boost::json::serialize(line);
  text.push_back('\n');
  // One write() per line keeps lines whole when threads log concurrently.
  auto rc = ::write(STDERR_FILENO, text.data(), text.size());
  (void) rc;
}

} // namespace chat::log
