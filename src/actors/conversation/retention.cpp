#include "actors/conversation/retention.hpp"

#include <algorithm>

namespace chat::retention {

api_error check_period(std::int64_t seconds, std::int64_t min) {
  if (seconds == 0 || (seconds >= min && seconds <= max_seconds))
    return {errc::ok, {}};
  return {errc::bad_request, "retention_seconds must be 0 (keep forever) or "
                               + std::to_string(min) + "-" + std::to_string(max_seconds)};
}

std::int64_t cutoff(std::int64_t seconds, std::int64_t now_ms) {
  return seconds > 0 ? now_ms - seconds * 1000 : 0;
}

errc read_page(const conversation_store& store, const std::string& conv, std::uint64_t from,
               message_page* out) {
  // `after` alone pages forward: the oldest first.
  page_request req;
  req.after = std::max<std::uint64_t>(from, 1) - 1;
  req.limit = static_cast<std::uint32_t>(max_per_batch);
  return store.page(conv, req, out);
}

errc expire_page(const message_page& page, attachment_refs& files, const conversation_store& store,
                 std::uint64_t from, std::uint64_t upto, std::int64_t cutoff,
                 const std::function<bool(std::uint64_t)>& busy,
                 const std::function<void(const message_view&)>& unindex, storage::write_batch& b,
                 expiry* out) {
  *out = {std::max<std::uint64_t>(from, 1), 0, false};
  if (cutoff <= 0 || out->expired_before > upto)
    return errc::ok;
  for (const auto& m : page.messages) {
    if (m.seq < out->expired_before)
      continue; // read before an earlier batch removed it
    if (m.seq > upto || m.ts >= cutoff || busy(m.seq))
      return errc::ok;
    if (auto rc = files.release(b, m.attachments); rc != errc::ok)
      return rc;
    store.erase(b, m);
    if (unindex)
      unindex(m);
    out->expired_before = m.seq + 1;
    ++out->removed;
  }
  out->more = page.has_more;
  return errc::ok;
}

errc expire(const conversation_store& store, attachment_refs& files, const std::string& conv,
            std::uint64_t from, std::uint64_t upto, std::int64_t cutoff,
            const std::function<bool(std::uint64_t)>& busy,
            const std::function<void(const message_view&)>& unindex, storage::write_batch& b,
            expiry* out) {
  message_page page;
  if (auto rc = read_page(store, conv, from, &page); rc != errc::ok)
    return rc;
  return expire_page(page, files, store, from, upto, cutoff, busy, unindex, b, out);
}

void hide_expired(message_page& page, std::int64_t cutoff, std::uint64_t expired_before) {
  auto& msgs = page.messages;
  for (const auto& m : msgs)
    if (m.ts < cutoff)
      expired_before = std::max(expired_before, m.seq + 1);
  msgs.erase(std::remove_if(msgs.begin(), msgs.end(),
                            [&](const auto& m) { return m.seq < expired_before; }),
             msgs.end());
  page.expired_before = expired_before > 1 ? expired_before : 0;
}

} // namespace chat::retention
