#include "net/routes/authenticated.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {

void add_ticket_routes(router& r, const auth_client& auth) {
  r.add(http::verb::post, "/ws/ticket",
        authenticated(auth, [auth](principal who, request_ptr, responder out) {
          auth.issue_ticket(std::move(who),
                            out.answer_json<ws_ticket>(http::status::ok,
                                                [](const ws_ticket& t) { return to_json(t); }));
        }));
}

} // namespace chat::net
