// conversation_client's search calls: one conversation, or a fan-out to
// the caller's conversations merged newest first.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/conversation/conversation_client.hpp"
#include "actors/conversation/conversation_client_impl.hpp"
#include "actors/conversation/search_query.hpp"
#include "actors/directory/user_lists.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/resolve.hpp"

namespace chat {
namespace {

constexpr int attempts = 3;
/// Conversations one cross-conversation search asks; more: partial.
constexpr std::size_t max_search_conversations = 200;

/// The merged order: newest ts first, then conversation id, then seq, all
/// descending (the cursor's order, search_request::cursor_*).
bool newer(const message_view& a, const message_view& b) {
  if (a.ts != b.ts)
    return a.ts > b.ts;
  if (a.conv != b.conv)
    return a.conv > b.conv;
  return a.seq > b.seq;
}

} // namespace

void conversation_client::search(principal who, std::string conv, search_request req,
                                 reply<search_page> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, req, done](caf::event_based_actor* self) {
    ask_conversation<search_page>(self, p->directory, conv_atom::value, conv, done, attempts,
                                  search_atom::value, who.user_id, req);
  });
}

void conversation_client::search_all(principal who, search_request req,
                                     reply<search_results> done) const {
  req.before_seq = 0; // per-conversation paging has no meaning here: the cursor pages
  auto p = pimpl_;
  in_actor(p->sys, [p, who, req, done](caf::event_based_actor* self) {
    std::function<void(std::vector<std::string>)> listed = [p, self, who, req,
                                                            done](std::vector<std::string> convs) {
      bool partial = convs.size() > max_search_conversations;
      if (partial)
        convs.resize(max_search_conversations);
      std::function<void(std::size_t, rpc::reply_to<search_page>)> ask
        = [p, self, who, req, convs](std::size_t i, rpc::reply_to<search_page> reply) {
            std::function<void(outcome<search_page>)> got = [reply](outcome<search_page> r) {
              if (r.ok())
                reply(std::move(r.value));
              else
                reply(make_chat_error(r.error.code, r.error.message));
            };
            ask_conversation<search_page>(self, p->directory, conv_atom::value, convs[i], got,
                                          attempts, search_atom::value, who.user_id, req);
          };
      // Policy: a conversation the caller just left (forbidden) adds
      // nothing; one that cannot be reached makes the answer partial.
      rpc::gather<search_page>(convs.size(), ask, [req, partial, done](rpc::answers<search_page> all) mutable {
        search_results out;
        out.partial = partial;
        bool more = false;
        for (auto& a : all) {
          if (!a) {
            if (to_api_error(a.error()).code != errc::forbidden
                && to_api_error(a.error()).code != errc::not_found)
              out.partial = true;
            continue;
          }
          out.partial = out.partial || a->partial;
          more = more || a->next_before != 0;
          for (auto& m : a->messages)
            out.messages.push_back(std::move(m));
        }
        std::sort(out.messages.begin(), out.messages.end(), newer);
        if (out.messages.size() > req.limit) {
          out.messages.resize(req.limit);
          more = true;
        }
        if (more && !out.messages.empty()) {
          const auto& last = out.messages.back();
          out.next = search::encode_cursor(last.ts, last.seq, last.conv);
        }
        done(outcome<search_results>::success(std::move(out)));
      });
    };
    gather_memberships(self, *p->ctx, who.user_id, listed);
  });
}

} // namespace chat
