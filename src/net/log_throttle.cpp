#include "net/log_throttle.hpp"

namespace chat::net {

log_throttle::log_throttle(std::size_t lines, std::chrono::steady_clock::duration window)
  : lines_(lines), window_(window) {}

bool log_throttle::allow(std::uint64_t* suppressed) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock{mutex_};
  if (now - window_start_ >= window_) {
    window_start_ = now;
    written_ = 0;
  }
  if (written_ >= lines_) {
    ++suppressed_;
    return false;
  }
  ++written_;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

} // namespace chat::net

#include "log/log.hpp"

namespace chat::net {

void log_throttled(log_throttle& throttle, std::string_view component, std::string_view message,
                   std::string_view reason) {
  std::uint64_t suppressed = 0;
  if (!throttle.allow(&suppressed))
    return;
  if (suppressed == 0)
    log::warn(component, message, {{"reason", boost::json::value(reason)}});
  else
    log::warn(component, message,
              {{"reason", boost::json::value(reason)}, {"suppressed", suppressed}});
}

} // namespace chat::net
