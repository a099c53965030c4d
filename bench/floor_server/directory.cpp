#include "directory.hpp"

#include <algorithm>

namespace floor_server {

bool directory::add_user(const std::string& name) {
  if (by_name_.contains(name))
    return false;
  auto u = std::make_unique<user>();
  u->name = name;
  u->id = "u_" + name;
  by_id_[u->id] = u.get();
  by_name_[name] = std::move(u);
  return true;
}

user* directory::by_name(const std::string& name) {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

user* directory::by_token(const std::string& token) {
  auto it = by_id_.find(token);
  return it == by_id_.end() ? nullptr : it->second;
}

room* directory::room_of(const std::string& id) {
  auto it = rooms_.find(id);
  return it == rooms_.end() ? nullptr : it->second.get();
}

room& directory::create_room(user& owner, const std::vector<std::string>& invitees) {
  auto r = std::make_unique<room>();
  r->id = "c_" + std::to_string(next_++);
  r->members.push_back(&owner);
  for (const auto& id : invitees)
    if (auto it = by_id_.find(id); it != by_id_.end() && it->second != &owner)
      it->second->invitations.emplace_back("i_" + std::to_string(next_++), r->id);
  auto& out = *r;
  rooms_[r->id] = std::move(r);
  return out;
}

bool directory::accept(user& u, const std::string& invitation) {
  auto it = std::find_if(u.invitations.begin(), u.invitations.end(),
                         [&](const auto& inv) { return inv.first == invitation; });
  if (it == u.invitations.end())
    return false;
  if (auto* r = room_of(it->second))
    r->members.push_back(&u);
  u.invitations.erase(it);
  return true;
}

std::string directory::issue_ticket(user& u) {
  auto t = "t" + std::to_string(next_++);
  tickets_[t] = &u;
  return t;
}

user* directory::redeem_ticket(const std::string& ticket) {
  auto it = tickets_.find(ticket);
  if (it == tickets_.end())
    return nullptr;
  auto* u = it->second;
  tickets_.erase(it);
  return u;
}

} // namespace floor_server
