#pragma once
// Looks up the usernames of a conversation's members before a text with
// `@names` is stored, so mentions resolve (mentions.hpp). Only the members
// not yet known are asked for, each at the auth authority of its shard.
// The actor *awaits* the answers: nothing else it would handle meanwhile
// (a later send) can overtake the message, so send order stays. A member
// whose authority does not answer within the timeout is simply not
// resolved this time.
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include <caf/all.hpp>

#include "actors/conversation/mentions.hpp"
#include "actors/node_context.hpp"
#include "cluster/peer_table.hpp"
#include "schema/ids.hpp"

namespace chat::mentions {

constexpr auto lookup_timeout = std::chrono::seconds(2);

/// False when nothing needs looking up (`then` is not called); else true,
/// and `then` runs once every lookup has answered or failed.
template <class Self, class Members>
bool look_up_names(Self self, const node_context& ctx, member_names& names,
                   const Members& members, std::string_view text, std::function<void()> then) {
  if (names_in(text).empty())
    return false;
  auto missing = names.unknown(members);
  if (missing.empty())
    return false;
  struct pending_lookup {
    std::size_t left;
    std::function<void()> then;
  };
  auto state = std::make_shared<pending_lookup>(pending_lookup{missing.size(), std::move(then)});
  auto one_done = [state] {
    if (--state->left == 0)
      state->then();
  };
  for (const auto& user : missing) {
    auto shard = shard_of_id(user, id_kind::user, ctx.shards);
    auto authority = shard ? ctx.peers->authority(*shard) : auth_api{};
    if (!authority) {
      one_done();
      continue;
    }
    self->request(authority, lookup_timeout, get_user_atom::value, user)
      .await(
        [names = &names, one_done](user_view& u) {
          names->add(u.id, u.username);
          one_done();
        },
        [one_done](caf::error&) { one_done(); });
  }
  return true;
}

} // namespace chat::mentions
