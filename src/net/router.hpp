#pragma once
// Method + path pattern → handler. Patterns are `/`-separated segments,
// each a literal or a `{name}` parameter; a literal beats a parameter, so
// `/users/me` wins over `/users/{id}`. Matching is on percent-decoded
// segments, so `%2F` inside an id never splits it.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/beast.hpp"
#include "net/request.hpp"
#include "net/responder.hpp"

namespace chat::net {

/// Handles one request; must eventually answer through the responder.
using handler = std::function<void(request_ptr, responder)>;

/// A handler that checks the caller's token before anything else
/// (routes/authenticated.hpp): it gets requests even when their path or
/// query is malformed (`incoming::input_error`), so that a bad token is a
/// 401 whatever else is wrong.
struct token_first_handler {
  handler h;
};

class router {
public:
  /// Registers `h` for `method` on `pattern`, e.g. "/users/{id}".
  void add(http::verb method, std::string_view pattern, handler h);
  void add(http::verb method, std::string_view pattern, token_first_handler h);

  /// Lets requests to an already registered (method, pattern) carry bodies
  /// up to `bytes` instead of the server's max_body_bytes (an upload).
  void set_body_limit(http::verb method, std::string_view pattern, std::size_t bytes);

  /// The largest body limit set on any route (0: none).
  std::size_t largest_body_limit() const noexcept { return largest_body_limit_; }

  enum class result { found, not_found, method_not_allowed, bad_path };

  /// What matching a request found. A malformed escape in the path is
  /// `bad_path`; a segment that cannot be decoded can still fill a
  /// parameter, so `target`/`token_first` then name the route it would
  /// have reached (null when none), for the token-first rule.
  struct match {
    result kind = result::not_found;
    const handler* target = nullptr; ///< set when found (or bad_path on a route)
    bool token_first = false;        ///< target checks the token first
    std::string_view route;          ///< the pattern, when the path matched
    path_params params;              ///< decoded, when the path matched
    std::string allow;               ///< `Allow` value for method_not_allowed
    std::size_t body_limit = 0;      ///< found: the route's own body limit (0: the default)
  };

  /// Looks up `path` (no query string). `bad_path` means a malformed escape.
  match find(http::verb method, std::string_view path) const;

  /// Every registered (method, pattern) pair, in registration order; a
  /// pattern with several methods is listed once per method.
  std::vector<std::pair<http::verb, std::string>> routes() const;

private:
  struct segment {
    std::string text;
    bool is_param = false;
  };
  struct method_handler {
    http::verb method;
    handler h;
    bool token_first = false;
    std::size_t body_limit = 0;
  };
  struct route {
    std::string pattern;
    std::vector<segment> segments;
    std::vector<method_handler> methods;
  };

  void add(http::verb method, std::string_view pattern, handler h, bool token_first);

  std::vector<route> routes_;
  std::size_t largest_body_limit_ = 0;
};

} // namespace chat::net
