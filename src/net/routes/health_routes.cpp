#include "metrics/metrics.hpp"
#include "net/routes/routes.hpp"

namespace chat::net {

void add_health_routes(router& r, std::string node_id, health_sources src) {
  // Answered on the I/O thread without asking any actor: it says the process
  // serves, nothing more.
  r.add(http::verb::get, "/healthz", [node_id](request_ptr, responder out) {
    out.send(json_response(http::status::ok, json::object{{"status", "ok"}, {"node", node_id}}));
  });
  // Storage is open, the actors run and the cluster port listens before the
  // listener starts, and it stops first on shutdown: answering at all means
  // this node serves. `missing` names unreachable peers (their shards answer
  // `unavailable`); with ?all=1 any such peer makes the answer 503. A node
  // actor that stopped answering the supervisor's probe (`stuck`) makes it
  // 503 whatever is asked, and so does data behind its groups' leaders
  // (`catching_up`: a restart or a rebuilt disk); with ?all=1, so does any
  // node's (or a group without a leader).
  r.add(http::verb::get, "/readyz", [node_id, src](request_ptr req, responder out) {
    json::array missing;
    if (src.missing_peers)
      for (auto& id : src.missing_peers())
        missing.emplace_back(id);
    json::array stuck;
    if (src.stuck_actors)
      for (auto& name : src.stuck_actors())
        stuck.emplace_back(name);
    auto unready = [&](const char* status, json::object extra = {}) {
      json::object body{{"status", status}, {"node", node_id}, {"missing", missing}};
      for (auto& kv : extra)
        body[kv.key()] = kv.value();
      out.send(json_response(http::status::service_unavailable, std::move(body)));
    };
    if (!stuck.empty())
      return unready("unready", {{"stuck", std::move(stuck)}});
    if (src.catching_up && src.catching_up())
      return unready("catching_up");
    const auto* all = req->query.find("all");
    bool whole_cluster = all && *all != "0" && *all != "false";
    if (whole_cluster && !missing.empty())
      return unready("unready");
    if (whole_cluster && src.cluster_catching_up && src.cluster_catching_up())
      return unready("catching_up");
    out.send(json_response(http::status::ok, json::object{{"status", "ready"},
                                                          {"node", node_id},
                                                          {"missing", std::move(missing)}}));
  });
  auto extra_metrics = src.extra_metrics;
  r.add(http::verb::get, "/metrics", [node_id, extra_metrics](request_ptr, responder out) {
    response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = metrics::node().render(node_id, extra_metrics ? extra_metrics() : std::string{});
    out.send(std::move(res));
  });
}

void add_test_hook_routes(router& r, std::function<bool(const std::string&)> kill_actor) {
  r.add(http::verb::post, "/_test/kill/{actor}", [kill_actor](request_ptr req, responder out) {
    const auto& name = req->params.at(0).second;
    if (!kill_actor(name)) {
      out.send(json_response(http::status::not_found, json::object{{"error", "no such actor"}}));
      return;
    }
    out.send(json_response(http::status::accepted, json::object{{"killed", name}}));
  });
}

} // namespace chat::net
