#include "actors/directory/user_lists.hpp"

#include "actors/conversation/conversation_store.hpp"
#include "actors/user/invitation_store.hpp"

namespace chat {

std::optional<std::vector<std::string>> local_memberships(const node_context& ctx,
                                                          const std::string& user) {
  // Every group this node serves contributes its part.
  std::vector<std::string> convs, part;
  for (const auto& data : ctx.served_stores()) {
    if (conversation_store::memberships_of(data, user, &part) != errc::ok)
      return std::nullopt;
    convs.insert(convs.end(), part.begin(), part.end());
  }
  return convs;
}

std::optional<std::vector<invitation_view>> local_invitations(const node_context& ctx,
                                                              const std::string& user) {
  std::vector<invitation_record> pending, part;
  for (const auto& data : ctx.served_stores()) {
    if (invitation_store{data}.pending_for(user, &part) != errc::ok)
      return std::nullopt;
    pending.insert(pending.end(), part.begin(), part.end());
  }
  std::vector<invitation_view> out;
  for (const auto& r : pending)
    out.push_back({r.id, r.conv, r.conv_title, r.from, r.to, r.created_at});
  return out;
}

} // namespace chat
