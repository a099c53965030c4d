#pragma once
// What every auth unit test stands on: CAF's test_coordinator (every actor
// runs on the test thread when the test says so), a real RocksDB in a
// temporary directory committing inline (no writer thread), a password pool
// that hashes inline, and the authority itself. No sleeps anywhere.
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/auth/auth_authority.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/password_hasher.hpp"
#include "storage/database.hpp"

namespace chat::testing {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() { set("scheduler.policy", caf::atom("testing")); }
};

struct authority_world {
  static constexpr std::uint32_t shards = 16;

  std::filesystem::path dir;
  std::unique_ptr<storage::database> db;
  security::password_hasher hasher{0, 16, security::password_cost::min};
  deterministic_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  std::string jwt_key = "jwt-key-for-tests-0123456789abcdef";
  auth_api authority;
  std::size_t max_blocks = 1000; ///< applied by the next start()

  explicit authority_world(const std::string& name) {
    security::init();
    dir = std::filesystem::temp_directory_path() / (name + "-" + security::random_token(6));
  }

  ~authority_world() { std::filesystem::remove_all(dir); }

  /// Opens storage and spawns the authority on it (again after stop()).
  void start() {
    storage::options opts;
    opts.path = dir.string();
    opts.group_commit = false; // commits complete inline
    std::string error;
    db = storage::database::open(opts, &error);
    REQUIRE(db);
    auth_settings s;
    s.db = db->at(0);
    s.hasher = &hasher;
    s.jwt_key = jwt_key;
    s.refresh_key = "refresh-key-for-tests-0123456789ab";
    s.dummy_hash = security::hash_password("dummy-password", security::password_cost::min);
    s.shards = shards;
    s.max_blocks = max_blocks;
    authority = spawn_auth_authority(sys, s);
  }

  /// Ends the authority and closes storage (the data stays in `dir`).
  void stop() {
    if (!db)
      return;
    caf::anon_send_exit(authority, caf::exit_reason::user_shutdown);
    sched.run();
    db->close();
    db.reset();
  }
};

} // namespace chat::testing
