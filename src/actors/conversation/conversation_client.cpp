#include "actors/conversation/conversation_client.hpp"

#include <algorithm>

#include <caf/all.hpp>

#include "actors/directory/user_lists.hpp"
#include "actors/rpc/routing.hpp"
#include "actors/conversation/conversation_client_impl.hpp"
#include "actors/rpc/gather.hpp"
#include "actors/rpc/resolve.hpp"
#include "metrics/metrics.hpp"
#include "schema/clock.hpp"
#include "schema/records.hpp"
#include "schema/ids.hpp"
#include "schema/validation.hpp"
#include "storage/database.hpp"

#include <sodium.h>

namespace chat {
namespace {

constexpr int attempts = 3;
constexpr std::size_t max_invites = 100;

template <class T>
void fail(const reply<T>& done, errc code, std::string message) {
  done(outcome<T>::failure(code, std::move(message)));
}

/// Checks that every id names an existing user (asking each user's home
/// authority, all at once), then runs `then`. Policy: all or nothing; the
/// first failure is the answer (not_found names the missing user).
void require_users(caf::event_based_actor* self, node_ref ctx,
                   std::shared_ptr<std::vector<std::string>> ids,
                   std::function<void(api_error)> then) {
  std::function<void(std::size_t, rpc::reply_to<user_view>)> ask
    = [self, ctx, ids](std::size_t i, rpc::reply_to<user_view> reply) {
        const auto& id = (*ids)[i];
        rpc::request_into<user_view>(self, cluster::authority_for_user(*ctx, id), ask_timeout,
                                     std::move(reply), get_user_atom::value, id);
      };
  rpc::gather<user_view>(ids->size(), ask, [then](rpc::answers<user_view> all) {
    auto failed = rpc::first_error(all);
    if (!failed)
      return then({errc::ok, {}});
    auto e = to_api_error(*failed);
    if (e.code == errc::not_found)
      e.message = "no such user";
    then(e);
  });
}

/// Checks that none of `ids` already holds the most pending invitations a
/// user may (max_pending_invitations), so GET /invitations stays bounded;
/// a pending one to `conv` does not count (inviting again answers it).
/// Policy: all or nothing, conflict names the limit. A node that does not
/// answer contributes nothing (the bound is then approximate).
void require_room_for_invitations(caf::event_based_actor* self, node_ref ctx,
                                  std::shared_ptr<std::vector<std::string>> ids,
                                  std::string conv, std::function<void(api_error)> then) {
  std::function<void(std::size_t, rpc::reply_to<bool>)> ask
    = [self, ctx, ids, conv](std::size_t i, rpc::reply_to<bool> reply) {
        gather_invitations(self, *ctx, (*ids)[i], [ctx, conv, reply](invitation_list all) {
          bool again = std::any_of(all.begin(), all.end(),
                                   [&](const auto& inv) { return inv.conv == conv; });
          reply(again || all.size() < ctx->settings.max_pending_invitations);
        });
      };
  rpc::gather<bool>(ids->size(), ask, [ctx, then](rpc::answers<bool> all) {
    for (const auto& room : all)
      if (room && !*room)
        return then({errc::conflict,
                     "that user already has "
                       + std::to_string(ctx->settings.max_pending_invitations)
                       + " pending invitations; they must answer some first"});
    then({errc::ok, {}});
  });
}

/// Existing users with room for one more invitation, then `then`.
void require_invitees(caf::event_based_actor* self, node_ref ctx,
                      std::shared_ptr<std::vector<std::string>> ids, std::string conv,
                      std::function<void(api_error)> then) {
  require_users(self, ctx, ids, [self, ctx, ids, conv, then](api_error e) {
    if (e.code != errc::ok)
      return then(e);
    require_room_for_invitations(self, ctx, ids, conv, then);
  });
}

/// An upload on its way to its conversation.
struct upload {
  std::string user;
  std::string conv;
  std::string name;
  std::string content_type;
  std::string bytes;
};

/// ask_conversation for an upload: the bytes (up to attachment_max_bytes)
/// are shared by the closures and copied only into each attempt's message.
void upload_to(caf::event_based_actor* self, directory_api directory,
               std::shared_ptr<const upload> up, reply<attachment_view> done, int attempts,
               std::chrono::steady_clock::time_point deadline) {
  auto fail = [done](const caf::error& err) {
    done(outcome<attachment_view>::failure(to_api_error(err)));
  };
  self->request(directory, detail::remaining(deadline), conv_atom::value, up->conv)
    .then(
      [=](conversation_api target) {
        self
          ->request(target, detail::remaining(deadline), upload_atom::value, up->user, up->name,
                    up->content_type, up->bytes)
          .then([done](attachment_view& v) { done(outcome<attachment_view>::success(std::move(v))); },
                [=](caf::error& err) {
                  if (attempts > 1 && worth_retrying(err))
                    upload_to(self, directory, up, done, attempts - 1, deadline);
                  else
                    fail(err);
                });
      },
      fail);
}

} // namespace

bool conversation_client::impl::allow_post(const std::string& session_id, int* retry_after) {
  std::lock_guard guard{limiter_mutex_};
  if (limiters_.size() > 100'000)
    limiters_.clear(); // bounded memory; a reset bucket is full, which errs on allowing
  auto it = limiters_
              .try_emplace(session_id, static_cast<double>(ctx->settings.rate_burst),
                           ctx->settings.rate_per_second)
              .first;
  if (it->second.allow())
    return true;
  *retry_after = it->second.retry_after();
  return false;
}

conversation_client::conversation_client(std::shared_ptr<impl> pimpl) : pimpl_(std::move(pimpl)) {}
conversation_client::~conversation_client() = default;

void conversation_client::create(principal who, std::string title, std::vector<std::string> invite,
                                 reply<conversation_view> done) const {
  if (!validate::title(title))
    return fail(done, errc::bad_request, "title must be 1-128 bytes of valid UTF-8");
  if (invite.size() > max_invites)
    return fail(done, errc::bad_request, "at most 100 invitations at once");
  // Unknown users make the whole request fail before anything is created.
  std::sort(invite.begin(), invite.end());
  invite.erase(std::unique(invite.begin(), invite.end()), invite.end());
  invite.erase(std::remove(invite.begin(), invite.end(), who.user_id), invite.end());
  for (const auto& id : invite)
    if (!shard_of_id(id, id_kind::user, pimpl_->ctx->shards))
      return fail(done, errc::not_found, "no such user");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, title, invite, done](caf::event_based_actor* self) {
    auto ids = std::make_shared<std::vector<std::string>>(invite);
    auto conv = make_id(id_kind::conversation, randombytes_uniform(p->ctx->shards));
    require_invitees(self, p->ctx, ids, conv, [=](api_error e) {
      if (e.code != errc::ok)
        return done(outcome<conversation_view>::failure(e));
      conversation_record header{conv, false, title, who.user_id, now_ms()};
      std::vector<member_record> members{{who.user_id, true, header.created_at}};
      // The invitations are stored with the conversation, in one write.
      std::function<void(outcome<direct_result>)> created = [done](outcome<direct_result> r) {
        if (!r.ok())
          return done(outcome<conversation_view>::failure(r.error));
        done(outcome<conversation_view>::success(std::move(r.value.conversation)));
      };
      ask_conversation<direct_result>(self, p->directory, create_atom::value, conv, created,
                                      attempts, create_atom::value, header, members, *ids);
    });
  });
}

void conversation_client::open_direct(principal who, std::string other,
                                      reply<direct_result> done) const {
  if (other == who.user_id)
    return fail(done, errc::bad_request, "a direct conversation needs another user");
  if (!shard_of_id(other, id_kind::user, pimpl_->ctx->shards))
    return fail(done, errc::not_found, "no such user");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, other, done](caf::event_based_actor* self) {
    auto ids = std::make_shared<std::vector<std::string>>(std::vector<std::string>{other});
    require_users(self, p->ctx, ids, [=](api_error e) {
      if (e.code != errc::ok)
        return done(outcome<direct_result>::failure(e));
      auto conv = direct_conversation_id(who.user_id, other, p->ctx->shards,
                                         p->ctx->settings.direct_id_key);
      auto now = now_ms();
      conversation_record header{conv, true, "", "", now};
      // The caller first: a caller who had left is a member again.
      std::vector<member_record> members{{who.user_id, false, now}, {other, false, now}};
      std::function<void(outcome<direct_result>)> found_legacy
        = [=](outcome<direct_result> r) {
            if (r.ok() || r.error.code != errc::not_found)
              return done(std::move(r));
            ask_conversation<direct_result>(self, p->directory, create_atom::value, conv, done,
                                            attempts, create_atom::value, header, members,
                                            std::vector<std::string>{});
          };
      // A pair that talked before ids were keyed keeps its conversation:
      // the unkeyed id is looked up first (conv_atom: only if it exists).
      auto legacy = legacy_direct_conversation_id(who.user_id, other, p->ctx->shards);
      auto legacy_header = header;
      legacy_header.id = legacy;
      ask_conversation<direct_result>(self, p->directory, conv_atom::value, legacy, found_legacy,
                                      attempts, create_atom::value, legacy_header, members,
                                      std::vector<std::string>{});
    });
  });
}

void conversation_client::block_direct(std::string user, std::string other, bool on,
                                       reply<none_t> done) const {
  if (!shard_of_id(other, id_kind::user, pimpl_->ctx->shards))
    return done(outcome<none_t>::success({}));
  auto p = pimpl_;
  in_actor(p->sys, [p, user, other, on, done](caf::event_based_actor* self) {
    // The pair's conversation under its keyed id, or the older unkeyed one
    // (open_direct): conv_atom only reaches one that exists.
    std::vector<std::string> convs{
      direct_conversation_id(user, other, p->ctx->shards, p->ctx->settings.direct_id_key),
      legacy_direct_conversation_id(user, other, p->ctx->shards)};
    // Policy: best effort; none there (or unreachable) is not an error.
    auto left = std::make_shared<std::size_t>(convs.size());
    std::function<void(outcome<none_t>)> each = [left, done](outcome<none_t>) {
      if (--*left == 0)
        done(outcome<none_t>::success({}));
    };
    for (const auto& conv : convs)
      ask_conversation<none_t>(self, p->directory, conv_atom::value, conv, each, attempts,
                               block_atom::value, user, on);
  });
}

void conversation_client::list(principal who, reply<conversation_list> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, done](caf::event_based_actor* self) {
    std::function<void(std::vector<std::string>)> listed
      = [p, self, who, done](std::vector<std::string> convs) {
          std::function<void(std::size_t, rpc::reply_to<conversation_view>)> ask
            = [p, self, who, convs](std::size_t i, rpc::reply_to<conversation_view> reply) {
                std::function<void(outcome<conversation_view>)> got
                  = [reply](outcome<conversation_view> r) {
                      if (r.ok())
                        reply(std::move(r.value));
                      else
                        reply(make_chat_error(r.error.code, r.error.message));
                    };
                // With the caller's unread and mention counts.
                ask_conversation<conversation_view>(self, p->directory, conv_atom::value,
                                                    convs[i], got, attempts, info_atom::value,
                                                    unread_atom::value, who.user_id);
              };
          // Policy: a conversation that cannot be reached (its node is
          // down) or that the user just left is not listed.
          rpc::gather<conversation_view>(convs.size(), ask,
                                         [done](rpc::answers<conversation_view> all) {
                                           auto out = rpc::successes(std::move(all));
                                           std::sort(out.begin(), out.end(),
                                                     [](const auto& a, const auto& b) {
                                                       return a.created_at < b.created_at;
                                                     });
                                           done(outcome<conversation_list>::success(
                                             std::move(out)));
                                         });
        };
    gather_memberships(self, *p->ctx, who.user_id, listed);
  });
}

void conversation_client::get(principal who, std::string conv, reply<conversation_view> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, done](caf::event_based_actor* self) {
    ask_conversation<conversation_view>(self, p->directory, conv_atom::value, conv, done, attempts,
                                        info_atom::value, who.user_id, true);
  });
}

void conversation_client::invite(principal who, std::string conv, std::string user_id,
                                 reply<invite_result> done) const {
  if (!shard_of_id(user_id, id_kind::user, pimpl_->ctx->shards))
    return fail(done, errc::not_found, "no such user");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, user_id, done](caf::event_based_actor* self) {
    // Membership is checked before the invitee's existence, so non-members
    // learn nothing about users through this call.
    std::function<void(outcome<conversation_view>)> checked = [=](outcome<conversation_view> r) {
      if (!r.ok())
        return done(outcome<invite_result>::failure(r.error));
      auto ids = std::make_shared<std::vector<std::string>>(std::vector<std::string>{user_id});
      require_invitees(self, p->ctx, ids, conv, [=](api_error e) {
        if (e.code != errc::ok)
          return done(outcome<invite_result>::failure(e));
        ask_conversation<invite_result>(self, p->directory, conv_atom::value, conv, done,
                                          attempts, invite_atom::value, who.user_id, user_id);
      });
    };
    ask_conversation<conversation_view>(self, p->directory, conv_atom::value, conv, checked,
                                        attempts, info_atom::value, who.user_id, false);
  });
}

namespace {

/// Runs `then` with the conversation a pending invitation belongs to.
void with_invitation(caf::event_based_actor* self, const node_context& ctx,
                     const std::string& user, const std::string& invitation,
                     std::function<void(std::optional<std::string>)> then) {
  gather_invitations(self, ctx, user, [invitation, then](invitation_list all) {
    for (const auto& inv : all)
      if (inv.id == invitation)
        return then(inv.conv);
    then(std::nullopt);
  });
}

} // namespace

void conversation_client::invitations(principal who, reply<invitation_list> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, done](caf::event_based_actor* self) {
    gather_invitations(self, *p->ctx, who.user_id, [done](invitation_list all) {
      done(outcome<invitation_list>::success(std::move(all)));
    });
  });
}

void conversation_client::accept(principal who, std::string invitation,
                                 reply<conversation_view> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, invitation, done](caf::event_based_actor* self) {
    with_invitation(self, *p->ctx, who.user_id, invitation, [=](std::optional<std::string> conv) {
      if (!conv)
        return fail(done, errc::not_found, "no such invitation");
      ask_conversation<conversation_view>(self, p->directory, conv_atom::value, *conv, done,
                                          attempts, accept_atom::value, who.user_id, invitation);
    });
  });
}

void conversation_client::decline(principal who, std::string invitation,
                                  reply<none_t> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, invitation, done](caf::event_based_actor* self) {
    with_invitation(self, *p->ctx, who.user_id, invitation, [=](std::optional<std::string> conv) {
      if (!conv)
        return fail(done, errc::not_found, "no such invitation");
      ask_conversation<none_t>(self, p->directory, conv_atom::value, *conv, done, attempts,
                               decline_atom::value, who.user_id, invitation);
    });
  });
}

void conversation_client::set_retention(principal who, std::string conv, std::int64_t seconds,
                                        reply<conversation_view> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, seconds, done](caf::event_based_actor* self) {
    ask_conversation<conversation_view>(self, p->directory, conv_atom::value, conv, done,
                                        attempts, retention_atom::value, who.user_id, seconds);
  });
}

void conversation_client::remove_member(principal who, std::string conv, std::string user_id,
                                        reply<none_t> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, user_id, done](caf::event_based_actor* self) {
    ask_conversation<none_t>(self, p->directory, conv_atom::value, conv, done, attempts,
                             remove_atom::value, who.user_id, user_id);
  });
}

void conversation_client::set_admin(principal who, std::string conv, std::string user_id,
                                    bool admin, reply<none_t> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, user_id, admin, done](caf::event_based_actor* self) {
    ask_conversation<none_t>(self, p->directory, conv_atom::value, conv, done, attempts,
                             role_atom::value, who.user_id, user_id, admin);
  });
}

void conversation_client::post_message(principal who, std::string conv, std::string text,
                                       std::string client_msg_id, reply<send_receipt> done,
                                       std::uint64_t reply_to,
                                       std::vector<std::string> attachments) const {
  int retry_after = 1;
  if (!pimpl_->allow_post(who.session_id, &retry_after)) {
    metrics::node().rate_limited.inc();
    return fail(done, errc::rate_limited,
                "too many messages; retry after " + std::to_string(retry_after) + " s");
  }
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, text, client_msg_id, done, reply_to,
                    attachments](caf::event_based_actor* self) {
    // Metered in the conversation too: one budget per user there, however
    // many nodes the posts come through.
    if (!attachments.empty())
      ask_conversation<send_receipt>(self, p->directory, conv_atom::value, conv, done, attempts,
                                     post_atom::value, metered_atom::value, who.user_id, text,
                                     client_msg_id, reply_to, attachments);
    else if (reply_to != 0)
      ask_conversation<send_receipt>(self, p->directory, conv_atom::value, conv, done, attempts,
                                     post_atom::value, metered_atom::value, who.user_id, text,
                                     client_msg_id, reply_to);
    else
      ask_conversation<send_receipt>(self, p->directory, conv_atom::value, conv, done, attempts,
                                     post_atom::value, metered_atom::value, who.user_id, text,
                                     client_msg_id);
  });
}

void conversation_client::change_message(principal who, std::string conv, message_change change,
                                         reply<send_receipt> done) const {
  int retry_after = 1;
  if (!pimpl_->allow_post(who.session_id, &retry_after)) {
    metrics::node().rate_limited.inc();
    return fail(done, errc::rate_limited,
                "too many messages; retry after " + std::to_string(retry_after) + " s");
  }
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, change, done](caf::event_based_actor* self) {
    ask_conversation<send_receipt>(self, p->directory, conv_atom::value, conv, done, attempts,
                                   change_atom::value, metered_atom::value, who.user_id, change);
  });
}

void conversation_client::messages(principal who, std::string conv, page_request page,
                                   reply<message_page> done) const {
  if (page.limit < 1 || page.limit > 500)
    return fail(done, errc::bad_request, "limit must be from 1 to 500");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, page, done](caf::event_based_actor* self) {
    ask_conversation<message_page>(self, p->directory, conv_atom::value, conv, done, attempts,
                                   history_atom::value, who.user_id, page);
  });
}

void conversation_client::upload_attachment(principal who, std::string conv, std::string name,
                                            std::string content_type, std::string bytes,
                                            reply<attachment_view> done) const {
  int retry_after = 1;
  if (!pimpl_->allow_post(who.session_id, &retry_after)) {
    metrics::node().rate_limited.inc();
    return fail(done, errc::rate_limited,
                "too many uploads; retry after " + std::to_string(retry_after) + " s");
  }
  auto p = pimpl_;
  auto up = std::make_shared<const upload>(
    upload{who.user_id, std::move(conv), std::move(name), std::move(content_type),
           std::move(bytes)});
  in_actor(p->sys, [p, up, done](caf::event_based_actor* self) {
    upload_to(self, p->directory, up, done, attempts,
              std::chrono::steady_clock::now() + ask_timeout);
  });
}

void conversation_client::attachment(principal who, std::string conv, std::string id,
                                     reply<attachment_view> done) const {
  if (!shard_of_id(id, id_kind::attachment, pimpl_->ctx->shards))
    return fail(done, errc::not_found, "no such attachment");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, id, done](caf::event_based_actor* self) {
    ask_conversation<attachment_view>(self, p->directory, conv_atom::value, conv, done, attempts,
                                      att_meta_atom::value, who.user_id, id);
  });
}

void conversation_client::attachment_chunk(principal who, std::string conv, std::string id,
                                           std::uint64_t index, reply<std::string> done) const {
  if (!shard_of_id(id, id_kind::attachment, pimpl_->ctx->shards))
    return fail(done, errc::not_found, "no such attachment");
  auto p = pimpl_;
  in_actor(p->sys, [p, who, conv, id, index, done](caf::event_based_actor* self) {
    ask_conversation<std::string>(self, p->directory, conv_atom::value, conv, done, attempts,
                                  att_chunk_atom::value, who.user_id, id, index);
  });
}

void conversation_client::forget_user(std::string user_id, reply<none_t> done) const {
  auto p = pimpl_;
  in_actor(p->sys, [p, user_id, done](caf::event_based_actor* self) {
    // Where the user is a member, and where they are invited (which also
    // voids what they sent there).
    gather_memberships(self, *p->ctx, user_id, [=](std::vector<std::string> convs) {
      gather_invitations(self, *p->ctx, user_id, [=](invitation_list invited) mutable {
        for (const auto& inv : invited)
          convs.push_back(inv.conv);
        std::sort(convs.begin(), convs.end());
        convs.erase(std::unique(convs.begin(), convs.end()), convs.end());
        std::function<void(std::size_t, rpc::reply_to<none_t>)> ask
          = [=](std::size_t i, rpc::reply_to<none_t> reply) {
              std::function<void(outcome<none_t>)> got = [reply](outcome<none_t> r) {
                if (r.ok())
                  reply(none_t{});
                else
                  reply(make_chat_error(r.error.code, r.error.message));
              };
              ask_conversation<none_t>(self, p->directory, conv_atom::value, convs[i], got,
                                       attempts, forget_atom::value, user_id);
            };
        // Policy: keep what succeeded; the account is gone either way.
        rpc::gather<none_t>(convs.size(), ask, [done](rpc::answers<none_t>) {
          done(outcome<none_t>::success(none_t{}));
        });
      });
    });
  });
}

} // namespace chat
