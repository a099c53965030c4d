#pragma once
// Roles in a group conversation (docs/protocol.md "Roles"): the owner, the
// admins the owner names, and plain members. Pure rules: the conversation
// actor looks the members up, asks here, and writes what changes.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "schema/error_code.hpp"
#include "schema/records.hpp"

namespace chat::roles {

/// "owner", "admin" or "member": the `role` of a member view.
std::string_view name(const member_record& m) noexcept;

/// Whether `by` may make `target` an admin (`admin` true) or a plain member
/// again: only a group's owner, about a member other than themselves.
/// `target` is null when that user is not a member (404).
api_error check_set_admin(bool direct, const std::string& owner, const std::string& by,
                          const member_record* target);

/// Whether `by` (a member) may remove `target` (a member): anyone may
/// leave; the owner removes anyone; an admin removes plain members only.
api_error check_removal(const member_record& by, const member_record& target);

/// Who takes a group over when its owner goes: the longest-standing admin,
/// else the longest-standing member; nothing when nobody else is left.
std::optional<member_record> successor(const std::map<std::string, member_record>& members,
                                       const std::string& owner);

} // namespace chat::roles
