#include "net/http_server.hpp"

#include "log/log.hpp"
#include "net/listener.hpp"
#include "net/routes/routes.hpp"
#include "net/server_context.hpp"
#include "net/session_bridge.hpp"

namespace chat::net {

http_server::http_server(boost::asio::io_context& ioc, http_settings settings, services svc)
  : ioc_(ioc), ctx_(std::make_shared<server_context>()) {
  ctx_->settings = std::move(settings);
  const auto& st = ctx_->settings;
  if (st.max_connections != 0 || st.max_connections_per_address != 0)
    ctx_->limits = std::make_shared<connection_limits>(
      st.max_connections, st.max_connections_per_address, !st.cap_loopback);
  ctx_->websocket = websocket_hooks_for(std::move(svc.sessions));
  add_health_routes(ctx_->routes, ctx_->settings.node_id,
                    {std::move(svc.extra_metrics), std::move(svc.missing_peers),
                     std::move(svc.stuck_actors), std::move(svc.catching_up),
                     std::move(svc.cluster_catching_up)});
  if (svc.kill_actor_for_test)
    add_test_hook_routes(ctx_->routes, std::move(svc.kill_actor_for_test));
  add_auth_routes(ctx_->routes, svc.auth);
  add_user_routes(ctx_->routes, svc.auth, svc.conversations);
  add_block_routes(ctx_->routes, svc.auth, svc.conversations);
  add_ticket_routes(ctx_->routes, svc.auth);
  add_conversation_routes(ctx_->routes, svc.auth, svc.conversations);
  add_invitation_routes(ctx_->routes, svc.auth, svc.conversations);
  add_message_routes(ctx_->routes, svc.auth, svc.conversations);
  add_search_routes(ctx_->routes, svc.auth, svc.conversations);
  add_attachment_routes(ctx_->routes, svc.auth, svc.conversations,
                        ctx_->settings.attachment_max_bytes);
  add_static_routes(ctx_->routes);
  add_api_docs_routes(ctx_->routes);
}

http_server::~http_server() = default;

bool http_server::start(std::string* error) {
  beast::error_code ec;
  auto address = asio::ip::make_address(ctx_->settings.address, ec);
  if (ec) {
    if (error)
      *error = "invalid HTTP address '" + ctx_->settings.address + "'";
    return false;
  }
  if (!ctx_->settings.tls_cert.empty() || !ctx_->settings.tls_key.empty()) {
    auto tls = std::make_shared<tls_source>(ctx_->settings.tls_cert, ctx_->settings.tls_key);
    if (!tls->load(error))
      return false;
    ctx_->tls = std::move(tls);
  }
  auto l = std::make_shared<listener>(ioc_, ctx_);
  if (!l->open(tcp::endpoint{address, ctx_->settings.port}, error))
    return false;
  listener_ = std::move(l);
  listener_->run();
  auto ep = listener_->local_endpoint();
  log::info("http", "listening",
            {{"address", json::value(ep.address().to_string())}, {"port", ep.port()},
             {"tls", ctx_->tls != nullptr}});
  return true;
}

bool http_server::reload_tls(std::string* error) {
  if (!ctx_->tls) {
    *error = "the HTTP port serves plain HTTP (no http_tls_cert)";
    return false;
  }
  return ctx_->tls->load(error);
}

void http_server::stop() {
  if (listener_)
    listener_->stop();
}

unsigned short http_server::port() const {
  return listener_ ? listener_->local_endpoint().port() : 0;
}

std::vector<std::pair<std::string, std::string>> http_server::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [method, pattern] : ctx_->routes.routes())
    out.emplace_back(std::string{http::to_string(method)}, std::move(pattern));
  if (ctx_->websocket)
    out.emplace_back("GET", std::string{websocket_path});
  return out;
}

} // namespace chat::net
