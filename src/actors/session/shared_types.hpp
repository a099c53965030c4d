#pragma once
// Local-only message types: pointers are never serialised, so these must
// never cross nodes (a frame crosses as its bytes instead).
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/detail/scope_guard.hpp>

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

} // namespace chat
