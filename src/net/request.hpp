#pragma once
// One parsed request as handlers see it: the message, the decoded path
// parameters of the matched route, and the decoded query.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/beast.hpp"
#include "net/uri.hpp"
#include "schema/outcome.hpp"

namespace chat::net {

/// Path parameters by name, e.g. `{id}` of `/users/{id}`, percent-decoded.
using path_params = std::vector<std::pair<std::string_view, std::string>>;

/// A request on its way through a handler; shared so that continuations
/// running after an actor's answer can still read it.
struct incoming {
  http::request<http::string_body> msg;
  std::string_view route; ///< the matched pattern, e.g. "/users/{id}"
  path_params params;
  query_params query;
  /// A malformed path or query escape, answered (400) by a token-first
  /// handler once the token is known good; other handlers never see one.
  std::optional<api_error> input_error;

  /// The path parameter `name`; empty when the route has none of that name.
  const std::string& param(std::string_view name) const;
};

using request_ptr = std::shared_ptr<const incoming>;

/// The token of `Authorization: Bearer <token>`; empty optional when the
/// header is missing or not a well-formed bearer credential.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

/// The User-Agent to store with a session: at most `max_bytes`, cut on a
/// character boundary, and empty unless valid UTF-8.
std::string session_user_agent(std::string_view header, std::size_t max_bytes = 256);

} // namespace chat::net
