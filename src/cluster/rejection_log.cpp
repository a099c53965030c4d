#include "cluster/rejection_log.hpp"

namespace chat::cluster {

namespace {
constexpr std::size_t max_sources = 16; ///< a summary names at most this many addresses
}

rejection_log::rejection_log(std::size_t detailed, clock::duration window)
  : detailed_(detailed), window_(window) {}

bool rejection_log::note(std::string_view source, std::string_view reason, clock::time_point now) {
  if (now - window_start_ >= window_ && current_.left_out == 0) {
    window_start_ = now;
    logged_ = 0;
  }
  if (logged_ < detailed_) {
    ++logged_;
    return true;
  }
  ++current_.left_out;
  ++current_.reasons[std::string{reason}];
  auto& sources = current_.sources;
  if (sources.size() < max_sources || sources.count(std::string{source}))
    ++sources[std::string{source}];
  else
    ++sources["other"];
  return false;
}

std::optional<rejection_log::summary> rejection_log::roll(clock::time_point now) {
  if (now - window_start_ < window_)
    return std::nullopt;
  window_start_ = now;
  logged_ = 0;
  return take();
}

std::optional<rejection_log::summary> rejection_log::take() {
  if (current_.left_out == 0)
    return std::nullopt;
  auto out = std::move(current_);
  current_ = summary{};
  return out;
}

} // namespace chat::cluster
