#include "net/routes/routes.hpp"

namespace chat::net {

void add_health_routes(router& r, std::string node_id) {
  // Answered on the I/O thread without asking any actor: it says the process
  // serves, nothing more (readiness is /readyz).
  r.add(http::verb::get, "/healthz", [node_id](request_ptr, responder out) {
    out.send(json_response(http::status::ok, json::object{{"status", "ok"}, {"node", node_id}}));
  });
}

} // namespace chat::net
