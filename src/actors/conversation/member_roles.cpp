#include "actors/conversation/member_roles.hpp"

namespace chat::roles {
namespace {

api_error fail(errc code, std::string message) {
  return {code, std::move(message)};
}

} // namespace

std::string_view name(const member_record& m) noexcept {
  if (m.owner)
    return "owner";
  return m.admin ? "admin" : "member";
}

api_error check_set_admin(bool direct, const std::string& owner, const std::string& by,
                          const member_record* target) {
  if (direct)
    return fail(errc::forbidden, "direct conversations have no admins");
  if (owner != by)
    return fail(errc::forbidden, "only the owner can name or remove admins");
  if (!target)
    return fail(errc::not_found, "that user is not a member");
  if (target->owner)
    return fail(errc::bad_request, "the owner cannot be an admin");
  return {errc::ok, {}};
}

api_error check_removal(const member_record& by, const member_record& target) {
  if (by.user_id == target.user_id || by.owner)
    return {errc::ok, {}};
  if (by.admin && !target.owner && !target.admin)
    return {errc::ok, {}};
  return fail(errc::forbidden, by.admin ? "admins can remove plain members only"
                                        : "only the owner or an admin can remove other members");
}

std::optional<member_record> successor(const std::map<std::string, member_record>& members,
                                       const std::string& owner) {
  std::optional<member_record> next;
  for (const auto& [user, m] : members) {
    if (user == owner)
      continue;
    // An admin beats any plain member; among equals the earliest join wins.
    if (!next || (m.admin && !next->admin)
        || (m.admin == next->admin && m.joined_at < next->joined_at))
      next = m;
  }
  return next;
}

} // namespace chat::roles
