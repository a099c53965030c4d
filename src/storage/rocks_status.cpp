#include "storage/rocks_status.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace chat::storage {

namespace {

status_code code_of(const rocksdb::Status& s) noexcept {
  using C = rocksdb::Status::Code;
  switch (s.code()) {
  case C::kOk: return status_code::ok;
  case C::kNotFound: return status_code::not_found;
  case C::kCorruption: return status_code::corruption;
  case C::kNotSupported: return status_code::not_supported;
  case C::kInvalidArgument: return status_code::invalid_argument;
  case C::kIOError: return status_code::io_error;
  case C::kMergeInProgress: return status_code::merge_in_progress;
  case C::kIncomplete: return status_code::incomplete;
  case C::kShutdownInProgress: return status_code::shutdown_in_progress;
  case C::kTimedOut: return status_code::timed_out;
  case C::kAborted: return status_code::aborted;
  case C::kBusy: return status_code::busy;
  case C::kExpired: return status_code::expired;
  case C::kTryAgain: return status_code::try_again;
  case C::kCompactionTooLarge: return status_code::compaction_too_large;
  case C::kColumnFamilyDropped: return status_code::column_family_dropped;
  default: return status_code::io_error; // a code newer than this list: a failure all the same
  }
}

} // namespace

status to_status(const rocksdb::Status& s) {
  if (s.ok())
    return {};
  return {code_of(s), one_line(s)};
}

status checked(const rocksdb::Status& s, std::string_view op, std::string_view column) {
  status st = to_status(s);
  if (!st.ok() && !st.is_not_found()) {
    if (column.empty())
      log::error("storage", "rocksdb failed",
                 {{"op", op}, {"code", name(st.code())}, {"cause", st.message()}});
    else
      log::error("storage", "rocksdb failed",
                 {{"op", op}, {"column", column}, {"code", name(st.code())},
                  {"cause", st.message()}});
  }
  return st;
}

errc to_errc(const rocksdb::Status& s) noexcept {
  if (s.ok())
    return errc::ok;
  return to_errc(status(code_of(s), {}));
}

std::string one_line(const rocksdb::Status& s) {
  std::string text = s.ToString();
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

} // namespace chat::storage
