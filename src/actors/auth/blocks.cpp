// Who blocks whom. Both sides of a block live on their own user's shard, in
// the `blocks` column, written through the authority's commit path (so they
// are replicated like every other batch):
//   "<A>/o/<B>": A blocks B (the blocker's list, bounded by max_blocks);
//   "<B>/i/<A>": B is blocked by A (the reverse index).
// So "is there a block between X and Y, either way" is two point reads on
// X's shard alone, and a user's actor loads everything it hides with one
// prefix scan. The two entries are written by two authorities, one after
// the other (blocker first); a failed second write leaves a retryable state.
#include <algorithm>

#include <caf/all.hpp>

#include "actors/auth/auth_handlers.hpp"
#include "actors/rpc/errors.hpp"

namespace chat::auth_handlers {
namespace {

constexpr auto col = storage::column::blocks;

std::string block_prefix(const std::string& user, bool outgoing) {
  return user + (outgoing ? "/o/" : "/i/");
}

errc scan(auth_state& st, const std::string& user, bool outgoing, std::vector<std::string>* out) {
  auto prefix = block_prefix(user, outgoing);
  return st.store->db().scan_prefix(col, prefix, [&](std::string_view key, std::string_view) {
    out->emplace_back(key.substr(prefix.size()));
    return true;
  });
}

/// True when the entry is stored; errc::internal on a failed read.
errc has_entry(auth_state& st, const std::string& key, bool* found) {
  std::string value;
  auto rc = st.store->db().get(col, key, &value);
  *found = rc == errc::ok;
  return rc == errc::ok || rc == errc::not_found ? errc::ok : rc;
}

} // namespace

caf::result<done_atom> set_block(auth_actor self, const std::string& user,
                                 const std::string& other, bool outgoing, bool on) {
  auto& st = self->state;
  if (user == other)
    return make_chat_error(errc::bad_request, "a user cannot block themselves");
  auto key = block_prefix(user, outgoing) + other;
  bool found = false;
  if (has_entry(st, key, &found) != errc::ok)
    return auth_errors::storage_failed();
  if (found == on)
    return done_atom::value; // already so: idempotent
  if (on && outgoing) {
    std::vector<std::string> current;
    if (scan(st, user, true, &current) != errc::ok)
      return auth_errors::storage_failed();
    if (current.size() >= st.cfg.max_blocks)
      return make_chat_error(errc::conflict, "at most " + std::to_string(st.cfg.max_blocks)
                                               + " users can be blocked");
  }
  storage::write_batch batch;
  if (on)
    batch.put(col, key, "");
  else
    batch.del(col, key);
  auto rp = self->make_response_promise<done_atom>();
  st.commit(std::move(batch), [self, rp, user](errc rc) mutable {
    if (rc != errc::ok) {
      rp.deliver(auth_errors::storage_failed(rc));
      return;
    }
    // The user's live connections reload what they hide.
    if (self->state.cfg.directory)
      self->send(self->state.cfg.directory, blocks_atom::value, user);
    rp.deliver(done_atom::value);
  });
  return rp;
}

caf::result<std::vector<std::string>> list_blocks(auth_actor self, const std::string& user,
                                                  bool outgoing) {
  std::vector<std::string> out;
  if (scan(self->state, user, outgoing, &out) != errc::ok)
    return auth_errors::storage_failed();
  return out;
}

caf::result<std::string> blocked_among(auth_actor self, const std::string& user,
                                       const std::vector<std::string>& others) {
  auto& st = self->state;
  for (const auto& other : others) {
    for (bool outgoing : {true, false}) {
      bool found = false;
      if (has_entry(st, block_prefix(user, outgoing) + other, &found) != errc::ok)
        return auth_errors::storage_failed();
      if (found)
        return other;
    }
  }
  return std::string{};
}

} // namespace chat::auth_handlers
