#pragma once
// Local-only message types: pointers are never serialised, so these must
// never cross nodes (a frame crosses as its bytes instead).
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/detail/scope_guard.hpp>

#include "actors/conversation/conversation_client.hpp"
#include "actors/session/connection_sink.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::shared_frame)

namespace chat {

/// An encoded frame in a message that may cross nodes: between actors of
/// one node only the pointer is copied; towards another node the bytes are
/// serialised once per node and shared again on arrival.
struct wire_frame {
  shared_frame bytes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_frame& x) {
  if constexpr (Inspector::reads_state) {
    std::string text = x.bytes ? *x.bytes : std::string{};
    return f(text);
  } else {
    std::string text;
    auto guard = caf::detail::make_scope_guard([&] { x.bytes = make_frame(std::move(text)); });
    return f(text);
  }
}

/// CAF 0.17 cannot inspect std::optional: paging crosses as flags + values.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, page_request& x) {
  bool has_after = x.after.has_value();
  bool has_before = x.before.has_value();
  std::uint64_t after = x.after.value_or(0);
  std::uint64_t before = x.before.value_or(0);
  auto guard = caf::detail::make_scope_guard([&] {
    if constexpr (!Inspector::reads_state) {
      x.after = has_after ? std::optional<std::uint64_t>{after} : std::nullopt;
      x.before = has_before ? std::optional<std::uint64_t>{before} : std::nullopt;
    }
  });
  return f(has_after, after, has_before, before, x.limit);
}

} // namespace chat
