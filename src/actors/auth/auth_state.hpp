#pragma once
// Inside the auth authority (not for its callers, who see auth_api): the
// actor's full type, its state and the steps its handlers share.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/auth/auth_api.hpp"
#include "actors/auth/auth_authority.hpp"
#include "actors/auth/auth_store.hpp"
#include "actors/rpc/continuations.hpp"
#include "schema/records.hpp"

namespace chat {

/// auth_api plus the messages the authority sends itself: `resume` when the
/// password pool or the storage writer finished work for it, and the ticket
/// sweep timer.
using auth_impl = auth_api::extend<caf::reacts_to<resume_atom, std::uint64_t>,
                                   caf::reacts_to<sweep_atom>>;

struct auth_state;
using auth_actor = auth_impl::stateful_pointer<auth_state>;

template <class T>
using promise = caf::typed_response_promise<T>;

/// The failures several handlers answer.
namespace auth_errors {
caf::error busy();           ///< the password pool's queue is full
caf::error hashing_failed(); ///< the pool could not hash (out of memory)
caf::error storage_failed(errc rc = errc::internal); ///< a read failed, or a write was not stored
caf::error session_gone();   ///< the caller's session (or account) has ended
caf::error bad_credentials();
} // namespace auth_errors

user_view view_of(const user_record& u);

struct ticket_entry {
  principal who;
  std::int64_t expires_at = 0; // ms
};

struct auth_state {
  static inline const char* name = "auth";

  auth_actor self = nullptr;
  auth_settings cfg;
  std::unique_ptr<auth_store> store;
  continuations pending;
  std::size_t commits_in_flight = 0;
  using ticket_map = std::unordered_map<std::string, ticket_entry>;
  ticket_map tickets; ///< change only through add_ticket / drop_ticket
  std::unordered_map<std::string, std::int64_t> seen; // session id → last use (ms)
  /// Usernames whose registration is under way (hashing or being written).
  /// The store's cache cannot hold this: it may be trimmed or forgotten at
  /// any moment, and the name must stay taken until the write is decided.
  std::unordered_set<std::string> registering;

  void init(auth_actor self, auth_settings settings);

  /// The handle continuations send `resume` to.
  caf::actor me() const;

  /// Queues a batch for group commit; `then` runs in the actor once it is
  /// durable (errc::ok) or failed.
  void commit(storage::write_batch batch, std::function<void(errc)> then);

  /// Commits, then answers `value`, or storage_failed if the write failed.
  template <class T>
  void commit_and_answer(storage::write_batch batch, promise<T> rp, T value) {
    commit(std::move(batch), [rp, value = std::move(value)](errc rc) mutable {
      if (rc != errc::ok)
        rp.deliver(auth_errors::storage_failed(rc));
      else
        rp.deliver(std::move(value));
    });
  }

  /// Hashes on the password pool; false when its queue is full. `then` gets
  /// an empty string when hashing failed (out of memory).
  bool hash(std::string password, std::function<void(std::string)> then);

  /// Checks a password on the pool; false when its queue is full.
  bool verify(std::string encoded, std::string password, std::function<void(bool)> then);

  /// Fresh access and refresh tokens for a session.
  token_grant grant(const user_record& u, const session_record& s) const;

  /// The live session `who` names, or the error for the caller.
  caf::error live_session(const principal& who, session_record* out);

  /// The account of a caller whose session is live, or the error for the caller.
  caf::error live_user(const principal& who, user_record* out);

  /// Adds the end of a session to `batch`. Its connections are told to close
  /// (4001) at once: the session is dead for the authority from this moment.
  void end_session(storage::write_batch& batch, const session_record& s);

  /// Ends every session of a user except `keep`.
  errc end_sessions_of(storage::write_batch& batch, const std::string& user_id,
                       const std::string& keep);

  /// Unredeemed tickets of a session, and the two ways to change `tickets`
  /// (which keep that count).
  std::size_t tickets_of(const std::string& session_id) const;
  void add_ticket(const std::string& ticket, ticket_entry entry);
  ticket_map::iterator drop_ticket(ticket_map::iterator it);

  /// When the session was last used, counting uses not yet written.
  std::int64_t last_seen(const session_record& s) const;

  /// Notes a use of the session; writes it at most once a minute.
  void touch(session_record s);

private:
  std::unordered_map<std::string, std::size_t> tickets_per_session_; ///< session id → tickets
};

} // namespace chat
