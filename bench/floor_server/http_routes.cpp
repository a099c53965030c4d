#include "http_routes.hpp"

namespace floor_server {
namespace {

response reply(const request& req, http::status status, const json::value& body) {
  response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

response error(const request& req, http::status status, std::string_view code) {
  return reply(req, status, json::object{{"error", json::object{{"code", code}, {"message", code}}}});
}

std::optional<json::object> body_object(const request& req) {
  error_code ec;
  auto v = json::parse(req.body(), ec);
  if (ec || !v.is_object())
    return std::nullopt;
  return std::move(v.get_object());
}

std::string string_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

user* bearer(const request& req, directory& dir) {
  auto h = req[http::field::authorization];
  constexpr std::string_view prefix = "Bearer ";
  if (!h.starts_with(prefix))
    return nullptr;
  return dir.by_token(std::string(h.substr(prefix.size())));
}

} // namespace

response route(const request& req, directory& dir) {
  const std::string_view target = req.target();
  const bool post = req.method() == http::verb::post;
  if (post && (target == "/auth/register" || target == "/auth/login")) {
    auto o = body_object(req);
    auto name = o ? string_field(*o, "username") : std::string();
    if (name.empty())
      return error(req, http::status::bad_request, "bad_request");
    if (target == "/auth/register")
      return dir.add_user(name) ? reply(req, http::status::created, json::object{{"id", "u_" + name}})
                                : error(req, http::status::conflict, "conflict");
    auto* u = dir.by_name(name);
    if (!u)
      return error(req, http::status::unauthorized, "unauthorized");
    return reply(req, http::status::ok,
                 json::object{{"access_token", u->id},
                              {"token_type", "Bearer"},
                              {"user", json::object{{"id", u->id}, {"username", u->name}}}});
  }
  auto* u = bearer(req, dir);
  if (!u)
    return error(req, http::status::unauthorized, "unauthorized");
  if (post && target == "/conversations") {
    auto o = body_object(req);
    std::vector<std::string> invite;
    if (o)
      if (auto it = o->find("invite"); it != o->end() && it->value().is_array())
        for (const auto& v : it->value().get_array())
          if (v.is_string())
            invite.emplace_back(v.get_string());
    return reply(req, http::status::created, json::object{{"id", dir.create_room(*u, invite).id}});
  }
  if (req.method() == http::verb::get && target == "/invitations") {
    json::array list;
    for (const auto& [id, conv] : u->invitations)
      list.push_back(json::object{{"id", id}, {"conv", conv}});
    return reply(req, http::status::ok, json::object{{"invitations", std::move(list)}});
  }
  constexpr std::string_view inv = "/invitations/", accept = "/accept";
  if (post && target.starts_with(inv) && target.ends_with(accept) && target.size() > inv.size() + accept.size()) {
    auto id = target.substr(inv.size(), target.size() - inv.size() - accept.size());
    return dir.accept(*u, std::string(id)) ? reply(req, http::status::ok, json::object{})
                                           : error(req, http::status::not_found, "not_found");
  }
  if (post && target == "/ws/ticket")
    return reply(req, http::status::ok, json::object{{"ticket", dir.issue_ticket(*u)}, {"expires_in", 30}});
  return error(req, http::status::not_found, "not_found");
}

} // namespace floor_server
