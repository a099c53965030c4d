#pragma once
// Translation between the project's error codes and caf::error, done once:
// actors answer failures as caf::error in the "chat" category; anything else
// CAF reports (timeouts, a dead or unreachable receiver) means the owner of
// the data could not be reached, which clients see as `unavailable`.
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

#include "schema/error_code.hpp"

namespace chat {

/// The category of every error an actor answers on purpose.
inline constexpr auto chat_error_category = caf::atom("chat");

/// A caf::error carrying `code` and a client-facing message.
inline caf::error make_chat_error(errc code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), chat_error_category,
                    caf::make_message(std::move(message))};
}

/// The answer to a write that was not stored: `retry` when it was refused
/// before being proposed (callers resolve the new leader and resend),
/// `unavailable` when its consensus group could not confirm it (it may
/// still be applied later, so clients resend with the same idempotency
/// key), `internal` otherwise.
inline caf::error write_failed(errc rc) {
  if (rc == errc::retry) // refused unwritten by a node that no longer leads
    return make_chat_error(errc::retry, "the data moved to another node; try again");
  if (rc == errc::unavailable)
    return make_chat_error(errc::unavailable, "the change was not confirmed by the cluster; try again");
  return make_chat_error(errc::internal, "the change could not be stored");
}

/// The api_error a client should see for any caf::error.
inline api_error to_api_error(const caf::error& err) {
  if (err.category() == chat_error_category) {
    std::string message;
    const auto& ctx = err.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      message = ctx.get_as<std::string>(0);
    return {static_cast<errc>(err.code()), std::move(message)};
  }
  return {errc::unavailable, "the node that owns this data is not reachable; try again"};
}

} // namespace chat
