#include "actors/runtime.hpp"

#include <caf/all.hpp>

#include "actors/auth/auth_authority.hpp"
#include "actors/auth/auth_client_impl.hpp"
#include "actors/system_config.hpp"

namespace chat {

struct actor_runtime::state {
  node_system_config cfg;
  caf::actor_system sys;
  caf::actor authority;
  std::shared_ptr<auth_client::impl> auth;
  bool stopped = false;

  state(const runtime_settings& s, storage::database& db, security::password_hasher& hasher)
    : cfg(s.scheduler_threads), sys(cfg) {
    auth_settings as;
    as.db = &db;
    as.hasher = &hasher;
    as.jwt_key = s.jwt_key;
    as.refresh_key = s.refresh_key;
    as.dummy_hash = s.dummy_hash;
    as.shards = s.shards;
    as.access_token_ttl = s.access_token_ttl;
    as.ticket_ttl = s.ticket_ttl;
    authority = spawn_auth_authority(sys, std::move(as));
    auth = std::make_shared<auth_client::impl>(sys, authority, s.jwt_key, s.shards);
  }
};

actor_runtime::actor_runtime(runtime_settings settings, storage::database& db,
                             security::password_hasher& hasher)
  : state_(std::make_unique<state>(settings, db, hasher)) {}

actor_runtime::~actor_runtime() { stop(); }

auth_client actor_runtime::auth() const { return auth_client{state_->auth}; }

void actor_runtime::stop() {
  if (!state_ || state_->stopped)
    return;
  state_->stopped = true;
  caf::anon_send_exit(state_->authority, caf::exit_reason::user_shutdown);
  state_->sys.await_all_actors_done();
}

} // namespace chat
