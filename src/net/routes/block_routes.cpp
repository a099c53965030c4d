// `PUT|DELETE /users/me/blocks/{user_id}`, `GET /users/me/blocks`: a user
// blocks another. Storage and the checks live with the auth authority
// (actors/auth/blocks.cpp); this file adds what a block does to pending
// invitations between the two and to their direct conversation.
#include <atomic>
#include <memory>

#include "net/routes/authenticated.hpp"
#include "net/routes/block_check.hpp"
#include "net/routes/routes.hpp"

namespace chat::net {
namespace {

/// Declines every pending invitation `from` sent `invitee`, then runs
/// `then`. Policy: best effort; an invitation whose conversation cannot be
/// reached now stays pending (documented in docs/protocol.md).
void void_invitations(const conversation_client& conversations, const std::string& invitee,
                      const std::string& from, std::function<void()> then) {
  principal as_invitee{invitee, {}};
  conversations.invitations(
    as_invitee, [conversations, as_invitee, from, then](outcome<invitation_list> r) {
      std::vector<std::string> ids;
      if (r.ok())
        for (const auto& inv : r.value)
          if (inv.from == from)
            ids.push_back(inv.id);
      if (ids.empty())
        return then();
      auto left = std::make_shared<std::atomic<std::size_t>>(ids.size());
      for (const auto& id : ids)
        conversations.decline(as_invitee, id, [left, then](outcome<none_t>) {
          if (--*left == 0)
            then();
        });
    });
}

} // namespace

void unless_blocked(const auth_client& auth, const std::string& user,
                    std::vector<std::string> others, const responder& out,
                    std::function<void(const responder&)> then) {
  auth.blocked_among(user, std::move(others),
                     out.then<std::string>([then](outcome<std::string> r, const responder& out) {
                       if (!r.ok())
                         return out.fail(r.error);
                       if (!r.value.empty())
                         return out.fail({errc::forbidden, "blocked: user " + r.value
                                                             + " and you have blocked each other"});
                       then(out);
                     }));
}

void add_block_routes(router& r, const auth_client& auth,
                      const conversation_client& conversations) {
  r.add(http::verb::put, "/users/me/blocks/{user_id}",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          auto other = req->param("user_id");
          auto me = who.user_id;
          auth.set_block(
            std::move(who), other, true,
            out.then<none_t>([conversations, me, other](outcome<none_t> r, const responder& out) {
              if (!r.ok())
                return out.fail(r.error);
              // Pending invitations between the two are void either way,
              // before the answer, so the next listing no longer shows them.
              void_invitations(conversations, me, other, [conversations, me, other, out] {
                void_invitations(conversations, other, me, [conversations, me, other, out] {
                  // Their direct conversation stops taking posts, before the 204.
                  conversations.block_direct(me, other, true, out.answer_empty());
                });
              });
            }));
        }));
  r.add(http::verb::delete_, "/users/me/blocks/{user_id}",
        authenticated(auth, [auth, conversations](principal who, request_ptr req, responder out) {
          auto other = req->param("user_id");
          auto me = who.user_id;
          auth.set_block(
            std::move(who), other, false,
            out.then<none_t>([conversations, me, other](outcome<none_t> r, const responder& out) {
              if (!r.ok())
                return out.fail(r.error);
              conversations.block_direct(me, other, false, out.answer_empty());
            }));
        }));
  r.add(http::verb::get, "/users/me/blocks",
        authenticated(auth, [auth](principal who, request_ptr, responder out) {
          auth.list_blocks(std::move(who),
                           out.answer_json<std::vector<std::string>>(
                             http::status::ok, [](const std::vector<std::string>& ids) {
                               json::array a;
                               a.reserve(ids.size());
                               for (const auto& id : ids)
                                 a.push_back(json::object{{"user_id", id}});
                               return json::object{{"blocks", std::move(a)}};
                             }));
        }));
}

} // namespace chat::net
