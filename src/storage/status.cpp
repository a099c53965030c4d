#include "storage/status.hpp"

namespace chat::storage {

std::string_view name(status_code c) noexcept {
  switch (c) {
  case status_code::ok: return "ok";
  case status_code::not_found: return "not_found";
  case status_code::corruption: return "corruption";
  case status_code::not_supported: return "not_supported";
  case status_code::invalid_argument: return "invalid_argument";
  case status_code::io_error: return "io_error";
  case status_code::merge_in_progress: return "merge_in_progress";
  case status_code::incomplete: return "incomplete";
  case status_code::shutdown_in_progress: return "shutdown_in_progress";
  case status_code::timed_out: return "timed_out";
  case status_code::aborted: return "aborted";
  case status_code::busy: return "busy";
  case status_code::expired: return "expired";
  case status_code::try_again: return "try_again";
  case status_code::compaction_too_large: return "compaction_too_large";
  case status_code::column_family_dropped: return "column_family_dropped";
  case status_code::closed: return "closed";
  case status_code::queue_full: return "queue_full";
  }
  return "unknown";
}

std::string status::to_string() const {
  if (ok())
    return "ok";
  std::string out(name(code_));
  if (!message_.empty()) {
    out += ": ";
    out += message_;
  }
  return out;
}

errc to_errc(const status& s) noexcept {
  switch (s.code()) {
  case status_code::ok: return errc::ok;
  case status_code::not_found: return errc::not_found;
  // Transient conditions: the caller may retry later.
  case status_code::busy:
  case status_code::timed_out:
  case status_code::try_again:
  case status_code::shutdown_in_progress:
  case status_code::closed:
  case status_code::queue_full: return errc::unavailable;
  default: return errc::internal;
  }
}

errc commit_errc(const status& s) noexcept {
  switch (s.code()) {
  case status_code::ok: return errc::ok;
  case status_code::closed:
  case status_code::queue_full: return errc::unavailable;
  default: return errc::internal;
  }
}

} // namespace chat::storage
