#pragma once
// Translation between the project's error codes and caf::error, done once:
// actors answer failures as caf::error in the "chat" category; anything else
// CAF reports (timeouts, a dead or unreachable receiver) means the owner of
// the data could not be reached, which clients see as `unavailable`.
#include <string>

#include <caf/error.hpp>

#include "schema/error_code.hpp"

namespace chat {

/// A caf::error carrying `code` and a client-facing message.
caf::error make_chat_error(errc code, std::string message);

/// The api_error a client should see for any caf::error.
api_error to_api_error(const caf::error& err);

} // namespace chat
