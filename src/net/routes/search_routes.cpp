// GET /conversations/{id}/search and GET /search (docs/protocol.md "Search").
#include <boost/json.hpp>

#include "actors/conversation/search_query.hpp"
#include "net/routes/authenticated.hpp"
#include "net/routes/conversation_input.hpp"
#include "net/routes/routes.hpp"
#include "schema/wire_json.hpp"

namespace chat::net {
namespace {

constexpr std::uint32_t default_limit = 20;

/// Reads q, limit and (per conversation) before, or (across) cursor.
bool read_search(const request_ptr& req, bool across, search_request& out, std::string& from,
                 api_error& error) {
  const auto* q = req->query.find("q");
  if (!q) {
    error = {errc::bad_request, "query parameter 'q' is required"};
    return false;
  }
  if (auto e = search::parse_query(*q, out, from); e.code != errc::ok) {
    error = e;
    return false;
  }
  out.limit = default_limit;
  if (const auto* limit = req->query.find("limit")) {
    auto n = parse_count(*limit);
    if (!n || *n < 1 || *n > search::max_limit) {
      error = {errc::bad_request, "query parameter 'limit' must be between 1 and "
                                    + std::to_string(search::max_limit)};
      return false;
    }
    out.limit = static_cast<std::uint32_t>(*n);
  }
  if (!across) {
    if (const auto* before = req->query.find("before")) {
      auto n = parse_count(*before);
      if (!n || *n == 0) {
        error = {errc::bad_request, "query parameter 'before' must be a positive integer"};
        return false;
      }
      out.before_seq = *n;
    }
  } else if (const auto* cursor = req->query.find("cursor")) {
    if (!search::decode_cursor(*cursor, out)) {
      error = {errc::bad_request, "query parameter 'cursor' must be a previous answer's 'next'"};
      return false;
    }
  }
  return true;
}

/// `from:` names a username or a user id: a username that resolves wins,
/// anything else is taken as a user id (an unknown one matches nothing).
template <class Then>
void resolve_from(const auth_client& auth, const std::string& from, const responder& out,
                  Then then) {
  if (from.empty())
    return then(std::string{}, out);
  auth.find_user(from, out.then<user_view>([from, then](outcome<user_view> r,
                                                        const responder& out) {
    if (r.ok())
      return then(r.value.id, out);
    if (r.error.code != errc::not_found)
      return out.fail(r.error);
    then(from, out);
  }));
}

boost::json::array messages_json(const std::vector<message_view>& messages) {
  boost::json::array items;
  for (const auto& m : messages)
    items.push_back(to_json(m));
  return items;
}

void do_search(const auth_client& auth, const conversation_client& conversations, principal who,
               const request_ptr& req, const responder& out) {
  search_request sr;
  std::string from;
  api_error error;
  if (!read_search(req, false, sr, from, error))
    return out.fail(error);
  resolve_from(auth, from, out, [conversations, who, conv = req->param("id"),
                                 sr](std::string user, const responder& out) {
    auto req = sr;
    req.from = std::move(user);
    conversations.search(
      who, conv, std::move(req), out.answer_json<search_page>(http::status::ok, [](const search_page& p) {
        boost::json::object o;
        o["messages"] = messages_json(p.messages);
        o["next"] = p.next_before ? boost::json::value(p.next_before) : boost::json::value(nullptr);
        o["partial"] = p.partial;
        return o;
      }));
  });
}

void do_search_all(const auth_client& auth, const conversation_client& conversations,
                   principal who, const request_ptr& req, const responder& out) {
  search_request sr;
  std::string from;
  api_error error;
  if (!read_search(req, true, sr, from, error))
    return out.fail(error);
  resolve_from(auth, from, out, [conversations, who, sr](std::string user,
                                                         const responder& out) {
    auto req = sr;
    req.from = std::move(user);
    conversations.search_all(
      who, std::move(req),
      out.answer_json<search_results>(http::status::ok, [](const search_results& r) {
        boost::json::object o;
        o["messages"] = messages_json(r.messages);
        o["next"] = r.next.empty() ? boost::json::value(nullptr) : boost::json::value(r.next);
        o["partial"] = r.partial;
        return o;
      }));
  });
}

} // namespace

void add_search_routes(router& r, const auth_client& auth,
                       const conversation_client& conversations) {
  r.add(http::verb::get, "/conversations/{id}/search",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          do_search(auth, conversations, std::move(who), req, out);
        }));
  r.add(http::verb::get, "/search",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          do_search_all(auth, conversations, std::move(who), req, out);
        }));
}

} // namespace chat::net
