#include "storage/rocks_status.hpp"

#include <algorithm>

namespace chat::storage {

errc to_errc(const rocksdb::Status& s) noexcept {
  if (s.ok())
    return errc::ok;
  if (s.IsNotFound())
    return errc::not_found;
  // Transient conditions: the caller may retry later.
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsShutdownInProgress())
    return errc::unavailable;
  return errc::internal;
}

std::string one_line(const rocksdb::Status& s) {
  std::string text = s.ToString();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

} // namespace chat::storage
