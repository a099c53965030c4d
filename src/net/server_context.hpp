#pragma once
// What every connection of one server shares, read-only once serving starts.
#include "net/http_settings.hpp"
#include "net/router.hpp"

namespace chat::net {

/// Settings and routes, shared by the listener and all sessions.
struct server_context {
  http_settings settings;
  router routes;
};

} // namespace chat::net
