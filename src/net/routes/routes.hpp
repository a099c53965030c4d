#pragma once
// The endpoints of PROTOCOL.md, grouped by resource; each adds its routes.
#include <functional>
#include <string>

#include "actors/auth/auth_client.hpp"
#include "actors/conversation/conversation_client.hpp"
#include "net/router.hpp"

namespace chat::net {

/// What /readyz and /metrics ask the node (each may be empty).
struct health_sources {
  std::function<std::string()> extra_metrics;
  std::function<std::vector<std::string>()> missing_peers;
  std::function<std::vector<std::string>()> stuck_actors;
  std::function<bool()> catching_up;
  std::function<bool()> cluster_catching_up;
};

/// `GET /healthz`, `GET /readyz`, `GET /metrics`.
void add_health_routes(router& r, std::string node_id, health_sources sources = {});

/// `POST /_test/kill/{actor}`: only with chatnode --test-hooks (failure tests).
void add_test_hook_routes(router& r, std::function<bool(const std::string&)> kill_actor);

/// `/auth/register`, `/auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/sessions…`.
void add_auth_routes(router& r, const auth_client& auth);

/// `/users/me` (GET, PATCH, DELETE), `/users/{id}`, `/users?username=`.
/// Deleting an account also takes it out of its conversations.
void add_user_routes(router& r, const auth_client& auth,
                     const conversation_client& conversations);

/// `PUT|DELETE /users/me/blocks/{user_id}`, `GET /users/me/blocks`.
void add_block_routes(router& r, const auth_client& auth,
                      const conversation_client& conversations);

/// `POST /ws/ticket`.
void add_ticket_routes(router& r, const auth_client& auth);

/// `/conversations` (create, direct, list, get) and
/// `DELETE /conversations/{id}/members/{user_id}`.
void add_conversation_routes(router& r, const auth_client& auth,
                             const conversation_client& conversations);

/// `POST /conversations/{id}/invitations`, `GET /invitations`,
/// `POST /invitations/{id}/accept|decline`.
void add_invitation_routes(router& r, const auth_client& auth,
                           const conversation_client& conversations);

/// `POST` and `GET /conversations/{id}/messages`.
void add_message_routes(router& r, const auth_client& auth,
                        const conversation_client& conversations);

/// `GET /conversations/{id}/search` and `GET /search` (search_routes.cpp).
void add_search_routes(router& r, const auth_client& auth,
                       const conversation_client& conversations);

/// `POST /conversations/{id}/attachments` (bodies up to `max_upload_bytes`)
/// and `GET /conversations/{id}/attachments/{att}`.
void add_attachment_routes(router& r, const auth_client& auth,
                           const conversation_client& conversations,
                           std::size_t max_upload_bytes);

/// `GET /` and `GET /static/…`: the embedded web client (web/).
void add_static_routes(router& r);

/// `GET /openapi.json` (web/api/openapi.json) and `GET /docs` (web/docs.html,
/// which renders it), embedded and served like the web client.
void add_api_docs_routes(router& r);

} // namespace chat::net
