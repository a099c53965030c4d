#pragma once
// The floor server's whole state, in memory, touched by its one thread only:
// users, their access tokens, WebSocket tickets, rooms and invitations.
// Nothing is stored; a restart forgets everything.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace floor_server {

class ws_conn;

struct user {
  std::string id;    // "u_<name>"; also the access token (this server trusts loopback benchmarks only)
  std::string name;
  std::vector<std::pair<std::string, std::string>> invitations;  // (invitation id, conv id)
  std::vector<ws_conn*> conns;  // open WebSockets of this user
};

struct room {
  std::string id;
  std::uint64_t seq = 0;
  std::vector<user*> members;
};

class directory {
public:
  // register: false when the name is taken
  bool add_user(const std::string& name);
  user* by_name(const std::string& name);
  user* by_token(const std::string& token);
  room* room_of(const std::string& id);
  room& create_room(user& owner, const std::vector<std::string>& invitees);
  // accepts one of u's invitations: false when it has no such invitation
  bool accept(user& u, const std::string& invitation);
  std::string issue_ticket(user& u);
  user* redeem_ticket(const std::string& ticket);  // once only

private:
  std::unordered_map<std::string, std::unique_ptr<user>> by_name_;
  std::unordered_map<std::string, user*> by_id_;
  std::unordered_map<std::string, std::unique_ptr<room>> rooms_;
  std::unordered_map<std::string, user*> tickets_;
  std::uint64_t next_ = 1;
};

} // namespace floor_server
