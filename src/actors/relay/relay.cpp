#include "actors/relay/relay.hpp"

#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <caf/all.hpp>

#include "actors/relay/relay_api.hpp"
#include "metrics/metrics.hpp"

namespace chat {
namespace {

struct subscriber {
  std::string user;
  sink_ptr sink;
  std::unordered_set<std::string> conversations;
};

/// Per session: users whose typing and presence it must not get (blocks).
/// Kept apart from `subscriber` because the list may arrive first.
using hidden_users = std::unordered_set<std::string>;

struct relay_state {
  static inline const char* name = "relay";
  std::unordered_map<caf::actor_addr, subscriber> sessions;
  std::unordered_map<std::string, std::unordered_set<caf::actor_addr>> by_conversation;
  std::unordered_map<std::string, std::unordered_set<caf::actor_addr>> by_user;
  std::unordered_map<caf::actor_addr, hidden_users> hidden;

  /// A frame about `subject` (typing, presence) that `session` must not see.
  bool hides(const caf::actor_addr& session, const std::string& subject) const {
    if (subject.empty() || hidden.empty())
      return false;
    auto it = hidden.find(session);
    return it != hidden.end() && it->second.count(subject) > 0;
  }

  void subscribe(const caf::actor_addr& session, const std::string& conv) {
    auto it = sessions.find(session);
    if (it == sessions.end())
      return;
    it->second.conversations.insert(conv);
    by_conversation[conv].insert(session);
  }

  void unsubscribe(const caf::actor_addr& session, const std::string& conv) {
    if (auto it = sessions.find(session); it != sessions.end())
      it->second.conversations.erase(conv);
    if (auto it = by_conversation.find(conv); it != by_conversation.end()) {
      it->second.erase(session);
      if (it->second.empty())
        by_conversation.erase(it);
    }
  }

  void forget(const caf::actor_addr& session) {
    auto it = sessions.find(session);
    if (it == sessions.end())
      return;
    for (const auto& conv : std::vector<std::string>(it->second.conversations.begin(),
                                                     it->second.conversations.end()))
      unsubscribe(session, conv);
    if (auto u = by_user.find(it->second.user); u != by_user.end()) {
      u->second.erase(session);
      if (u->second.empty())
        by_user.erase(u);
    }
    sessions.erase(it);
  }

  template <class F>
  void for_user_sessions(const std::string& user, F f) {
    if (auto u = by_user.find(user); u != by_user.end())
      for (const auto& s : std::vector<caf::actor_addr>(u->second.begin(), u->second.end()))
        f(s);
  }
};

relay_api::behavior_type relay(relay_api::stateful_pointer<relay_state> self) {
  self->set_down_handler([self](caf::down_msg& dm) {
    self->state.forget(dm.source);
    self->state.hidden.erase(dm.source);
  });
  return {
    // A session announces itself and the conversations it belongs to; a
    // repeated call adds conversations (it closes races with joins).
    [self](subscribe_atom, const std::string& user, const session_api& session, sink_ptr& sink,
           const std::vector<std::string>& conversations) {
      auto& st = self->state;
      auto addr = session.address();
      if (st.sessions.find(addr) == st.sessions.end()) {
        self->monitor(session);
        st.sessions.emplace(addr, subscriber{user, std::move(sink), {}});
        st.by_user[user].insert(addr);
      }
      for (const auto& conv : conversations)
        st.subscribe(addr, conv);
    },
    [self](deliver_atom, const std::string& conv, const wire_frame& frame,
           const std::string& except_user) {
      auto& st = self->state;
      auto it = st.by_conversation.find(conv);
      if (it == st.by_conversation.end())
        return;
      std::uint64_t pushed = 0;
      for (const auto& addr : it->second) {
        auto& sub = st.sessions[addr];
        if ((except_user.empty() || sub.user != except_user) && !st.hides(addr, except_user)) {
          sub.sink->push(frame.bytes);
          ++pushed;
        }
      }
      metrics::node().deliveries.inc(pushed);
    },
    [self](blocks_atom, const session_api& session, std::vector<std::string>& users) {
      auto& st = self->state;
      auto addr = session.address();
      bool known = st.sessions.count(addr) > 0 || st.hidden.count(addr) > 0;
      if (users.empty()) {
        st.hidden.erase(addr);
        return;
      }
      if (!known)
        self->monitor(session); // forgotten when it ends, subscribed or not
      st.hidden[addr] = hidden_users(std::make_move_iterator(users.begin()),
                                     std::make_move_iterator(users.end()));
    },
    // The admin shell: local connections subscribed to a conversation.
    [self](count_atom, const std::string& conv) -> std::uint64_t {
      auto it = self->state.by_conversation.find(conv);
      return it == self->state.by_conversation.end() ? 0 : it->second.size();
    },
    [self](mailbox_atom) -> std::uint64_t { return self->mailbox().size(); },
    // The admin shell: this node's session actors.
    [self](list_atom) -> std::vector<session_api> {
      std::vector<session_api> out;
      for (const auto& [addr, sub] : self->state.sessions)
        if (auto a = caf::actor_cast<session_api>(addr))
          out.push_back(std::move(a));
      return out;
    },
    [self](add_user_atom, const std::string& conv, const std::string& user) {
      auto& st = self->state;
      st.for_user_sessions(user, [&](const caf::actor_addr& s) { st.subscribe(s, conv); });
    },
    [self](drop_user_atom, const std::string& conv, const std::string& user) {
      auto& st = self->state;
      st.for_user_sessions(user, [&](const caf::actor_addr& s) { st.unsubscribe(s, conv); });
    },
  };
}

} // namespace

relay_api spawn_relay(caf::actor_system& sys) {
  return sys.spawn(relay);
}

} // namespace chat
