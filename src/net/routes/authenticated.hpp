#pragma once
// Authenticated endpoints check the bearer token before anything else
// (PROTOCOL.md "Precise rules"): any token problem is a 401, whatever else
// is wrong with the request.
#include <functional>
#include <utility>

#include "actors/auth/auth_client.hpp"
#include "net/request.hpp"
#include "net/router.hpp"
#include "net/responder.hpp"

namespace chat::net {

/// What an authenticated handler receives once the caller is known.
using authed_handler = std::function<void(principal who, request_ptr req, responder out)>;

/// Wraps `h`: verifies the bearer token through `auth`, answers 401 on any
/// problem, then 400 for a malformed path or query escape, and runs `h` on
/// the connection's strand otherwise.
token_first_handler authenticated(const auth_client& auth, authed_handler h);

} // namespace chat::net
