#pragma once
// The endpoints of PROTOCOL.md, grouped by resource; each adds its routes.
#include <string>

#include "actors/auth/auth_client.hpp"
#include "net/router.hpp"

namespace chat::net {

/// `GET /healthz`.
void add_health_routes(router& r, std::string node_id);

/// `/auth/register`, `/auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/sessions…`.
void add_auth_routes(router& r, const auth_client& auth);

/// `/users/me` (GET, PATCH, DELETE), `/users/{id}`, `/users?username=`.
void add_user_routes(router& r, const auth_client& auth);

/// `POST /ws/ticket`.
void add_ticket_routes(router& r, const auth_client& auth);

} // namespace chat::net
