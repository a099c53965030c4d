#include "actors/directory/user_lists.hpp"

#include "actors/conversation/conversation_store.hpp"
#include "actors/user/invitation_store.hpp"

namespace chat {

std::optional<std::vector<std::string>> local_memberships(const node_context& ctx,
                                                          const std::string& user) {
  std::vector<std::string> convs;
  if (conversation_store::memberships_of(*ctx.db, user, &convs) != errc::ok)
    return std::nullopt;
  return convs;
}

std::optional<std::vector<invitation_view>> local_invitations(const node_context& ctx,
                                                              const std::string& user) {
  std::vector<invitation_record> pending;
  if (invitation_store{*ctx.db}.pending_for(user, &pending) != errc::ok)
    return std::nullopt;
  std::vector<invitation_view> out;
  for (const auto& r : pending)
    out.push_back({r.id, r.conv, r.conv_title, r.from, r.to, r.created_at});
  return out;
}

} // namespace chat
