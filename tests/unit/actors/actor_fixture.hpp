#pragma once
// A node's actors under CAF's test_coordinator, for the role tests below
// this folder.
//
// Determinism: the "testing" scheduler policy replaces CAF's worker threads
// with one job queue that only this thread drains (`run()`, `step()`), and
// its clock only moves when a test says so (`advance()`), so passivation
// ticks and request timeouts fire exactly when a test asks for them. Storage
// is a real RocksDB in a temporary directory opened with
// `group_commit = false`: commit() writes on the calling actor's thread and
// its completion sends `resume` at once, so the conversation's "answer once
// durable" still goes through its mailbox (a write stays in flight until
// that `resume` is processed, an ordinary queued message) and no writer
// thread races the test. Likewise the read pool has no threads: scanning
// reads run inline and complete with a queued `resume`. There are no
// sleeps, no polling loops and no other threads touching the actors.
//
// What is real: every actor of a node (directory, relay, conversations,
// users, sessions, the auth authority) and their storage. What is not: the
// socket (a recording connection_sink), and, where a test only needs an
// identity for a connection, a stand-in actor (see `connection_stub`).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "../storage/temp_dir.hpp"
#include "actors/atoms.hpp"
#include "actors/auth/auth_authority.hpp"
#include "actors/conversation/conversation_api.hpp"
#include "actors/directory/directory.hpp"
#include "actors/live_registry.hpp"
#include "actors/node_context.hpp"
#include "actors/relay/relay.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/read_pool.hpp"
#include <map>

#include "actors/session/connection_sink.hpp"
#include "actors/session/session_actor.hpp"
#include "actors/system_config.hpp"
#include "cluster/peer_table.hpp"
#include "schema/clock.hpp"
#include "schema/error_code.hpp"
#include "schema/ids.hpp"
#include "security/crypto.hpp"
#include "security/password.hpp"
#include "security/password_hasher.hpp"
#include "storage/database.hpp"

namespace Catch {
template <>
struct StringMaker<chat::errc> {
  static std::string convert(chat::errc e) { return std::string(chat::code_name(e)); }
};
} // namespace Catch

namespace chat::actors_test {

inline constexpr std::uint32_t test_shards = 16;

/// The node's CAF configuration (every message type registered), with the
/// deterministic scheduler and a middleman that owns no thread, as CAF's
/// own test fixture sets it up (caf/test/dsl.hpp, init_config). Without
/// this, the real multiplexer thread runs the BASP broker, whose heartbeat
/// timer (node_system_config sets 1 s) shares the test clock with this
/// thread: advancing the clock then races the broker rescheduling its tick,
/// which corrupted the heap in about one run in two hundred.
struct test_config : node_system_config {
  test_config() : node_system_config(1) {
    set("scheduler.policy", caf::atom("testing"));
    set("middleman.network-backend", caf::atom("testing"));
    set("middleman.manual-multiplexing", true);
    set("middleman.heartbeat-interval", caf::timespan{0});
    set("middleman.workers", std::size_t{0});
    set("middleman.attach-utility-actors", true);
  }
};

/// The answer to one request: a value or an error.
template <class T>
struct answer {
  std::optional<T> value;
  std::optional<caf::error> error;

  bool arrived() const { return value.has_value() || error.has_value(); }
  /// `ok` for a value, else the code a client would see.
  errc code() const { return error ? to_api_error(*error).code : errc::ok; }
};

/// The socket side of a connection: records what actors push and close.
class recording_sink : public connection_sink {
public:
  void push(shared_frame frame) override { frames.push_back(*frame); }
  void close(std::uint16_t code, std::string reason) override {
    close_codes.push_back(code);
    close_reason = std::move(reason);
  }
  std::size_t queued_frames() const override { return 0; }

  /// Every pushed frame, parsed.
  std::vector<boost::json::object> parsed() const {
    std::vector<boost::json::object> out;
    for (const auto& f : frames)
      out.push_back(boost::json::parse(f).as_object());
    return out;
  }
  /// The parsed frames whose "type" is `type`, in the order pushed.
  std::vector<boost::json::object> of_type(const std::string& type) const {
    std::vector<boost::json::object> out;
    for (auto& o : parsed())
      if (o.at("type").as_string() == type)
        out.push_back(std::move(o));
    return out;
  }
  bool closed() const { return !close_codes.empty(); }

  std::vector<std::string> frames;
  std::vector<std::uint16_t> close_codes;
  std::string close_reason;
};

inline std::uint64_t seq_of(const boost::json::object& frame, const char* field = "seq") {
  return frame.at(field).to_number<std::uint64_t>();
}
inline std::string str_of(const boost::json::object& frame, const char* field) {
  return std::string(frame.at(field).as_string());
}

/// An actor system driven by hand.
class actor_test {
public:
  actor_test() : sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    // A test that fails half-way must not hang in ~actor_system waiting for
    // actors it left alive; shutdown() still stops everything it knows.
    sys.await_actors_before_shutdown(false);
  }
  virtual ~actor_test() {
    for (auto& a : helpers_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }
  actor_test(const actor_test&) = delete;
  actor_test& operator=(const actor_test&) = delete;

  /// Processes every queued message, in FIFO order, until no actor has work.
  /// Timers do not fire (see advance()).
  std::size_t run() { return sched.run(); }

  /// Lets exactly one actor, `who`, process its next message.
  template <class Handle>
  void step(const Handle& who) {
    REQUIRE(sched.prioritize(who));
    sched.run_once();
  }

  /// Moves the deterministic clock: delayed messages (passivation ticks,
  /// request timeouts) due by then are enqueued, not yet processed.
  std::size_t advance(caf::timespan d) { return sched.advance_time(d); }

  /// Issues a request from a fresh helper actor; the answer lands in the
  /// returned slot once the scheduler has run far enough.
  template <class T, class Dest, class... Ts>
  std::shared_ptr<answer<T>> request(const Dest& dest, Ts... xs) {
    auto out = std::make_shared<answer<T>>();
    auto helper = sys.spawn([out, dest, xs...](caf::event_based_actor* self) {
      self->request(dest, caf::infinite, xs...)
        .then([out](T& x) { out->value = std::move(x); },
              [out](caf::error& err) { out->error = std::move(err); });
    });
    helpers_.push_back(helper);
    last_helper = helper;
    return out;
  }

  /// request() and run until everything settled; the answer must be there.
  template <class T, class Dest, class... Ts>
  answer<T> ask(const Dest& dest, Ts... xs) {
    auto out = request<T>(dest, xs...);
    run();
    REQUIRE(out->arrived());
    return *out;
  }

  /// The value of a request that must succeed.
  template <class T, class Dest, class... Ts>
  T get(const Dest& dest, Ts... xs) {
    auto a = ask<T>(dest, xs...);
    INFO("error: " << (a.error ? caf::to_string(*a.error) : std::string{}));
    REQUIRE(a.value);
    return std::move(*a.value);
  }

  /// A one-way message from outside the actor world (no sender).
  template <class Dest, class... Ts>
  void tell(const Dest& dest, Ts... xs) {
    caf::anon_send(dest, std::move(xs)...);
  }

  /// An identity for a connection where the session actor itself does not
  /// matter (the relay only monitors it and never sends to it).
  session_api connection_stub() {
    auto stub = sys.spawn([]() -> caf::behavior { return {[](int) {}}; });
    helpers_.push_back(stub);
    return caf::actor_cast<session_api>(stub);
  }

  /// A connection of `user` subscribed with `relay` to `convs`, as a
  /// session does after hello; returns what it receives.
  std::shared_ptr<recording_sink> watch(const relay_api& relay, const std::string& user,
                                        std::vector<std::string> convs,
                                        session_api* as = nullptr) {
    auto sink = std::make_shared<recording_sink>();
    auto stub = connection_stub();
    if (as)
      *as = stub;
    tell(relay, subscribe_atom::value, user, stub, sink_ptr{sink}, std::move(convs));
    run();
    return sink;
  }

  template <class Handle>
  void kill(const Handle& h) {
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  }

  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched;
  caf::actor last_helper; ///< the helper of the latest request()

private:
  std::vector<caf::actor> helpers_;
};

/// One node on a temporary database: relay, directory, auth authority, and
/// a placement in which it owns every shard (unless `nodes` > 1, when it is
/// node 0 and the others start unreachable).
class node_fixture : public actor_test {
public:
  explicit node_fixture(chat_settings settings = {}, std::size_t nodes = 1,
                        std::size_t self_index = 0) {
    security::init();
    db = open_database(dir.path());
    cluster::placement layout;
    layout.shards = test_shards;
    for (std::size_t i = 0; i < nodes; ++i)
      layout.nodes.push_back({"n" + std::to_string(i + 1), "127.0.0.1", 0, 0});
    layout.self = self_index;
    peers = std::make_shared<cluster::peer_table>(layout);
    relay = spawn_relay(sys);
    auto node = std::make_shared<node_context>();
    node->node_id = layout.self_id();
    node->shards = test_shards;
    node->db = db.get();
    node->settings = settings;
    node->relay = relay;
    node->peers = peers;
    node->live = std::make_shared<live_registry>();
    node->reads = &reads;
    ctx = node;
    directory = spawn_directory(sys, ctx);
    auth_settings as;
    as.db = db->at(0);
    as.hasher = &hasher;
    as.jwt_key = "jwt-key-for-tests-0123456789abcdef";
    as.refresh_key = "refresh-key-for-tests-0123456789ab";
    as.dummy_hash = security::hash_password("dummy-password", security::password_cost::min);
    as.shards = test_shards;
    as.directory = directory;
    authority = spawn_auth_authority(sys, as);
    peers->mark_up(self_index, {directory, relay, authority, {}, {}});
    run();
  }

  ~node_fixture() override { shutdown(); }

  /// Stops every actor of the node (conversations are linked to the
  /// directory; users and sessions are in the live registry), then storage.
  void shutdown() {
    if (!db)
      return;
    for (const auto& a : ctx->live->snapshot())
      if (auto h = caf::actor_cast<caf::actor>(a))
        kill(h);
    kill(directory);
    kill(relay);
    kill(authority);
    run();
    db->close();
    db.reset();
  }

  /// A database whose commits complete on the calling actor's thread.
  static std::unique_ptr<storage::database> open_database(const std::string& path) {
    storage::options opts;
    opts.path = path;
    opts.group_commit = false;
    opts.mode = storage::durability::async; // nothing here survives a power loss anyway
    std::string error;
    auto db = storage::database::open(opts, &error);
    INFO(error);
    REQUIRE(db);
    return db;
  }

  // -- ids and data -----------------------------------------------------------

  static std::string user_id(std::uint32_t shard = 0) { return make_id(id_kind::user, shard); }
  static std::string conv_id(std::uint32_t shard = 0) {
    return make_id(id_kind::conversation, shard);
  }

  /// Creates a group conversation owned by `owner` with `others` as members,
  /// through the directory like the HTTP layer does; returns its actor.
  conversation_api create_group(const std::string& id, const std::string& owner,
                                const std::vector<std::string>& others = {},
                                const std::vector<std::string>& invitees = {}) {
    auto conv = get<conversation_api>(directory, create_atom::value, id);
    auto now = now_ms();
    conversation_record header{id, false, "a group", owner, now};
    std::vector<member_record> members{{owner, true, now}};
    for (const auto& u : others)
      members.push_back({u, false, now});
    auto created = get<direct_result>(conv, create_atom::value, header, members, invitees);
    REQUIRE(created.created);
    return conv;
  }

  /// A registered user's id (through the auth authority).
  std::string register_user(const std::string& username) {
    auto id = get<user_view>(authority, register_atom::value, username,
                             std::string{"correct horse battery"}, std::string{})
                .id;
    usernames[id] = username;
    return id;
  }

  /// A new live auth session of a registered user (a login): a session
  /// actor only says hello for a session the authority knows to be live.
  std::string login(const std::string& user_id) {
    return get<token_grant>(authority, login_atom::value, usernames.at(user_id),
                            std::string{"correct horse battery"}, std::string{})
      .session_id;
  }
  std::map<std::string, std::string> usernames; ///< user id → username

  /// A connection of `user` in auth session `session`: the session actor
  /// and the sink it writes to. Runs until it has said hello.
  struct connection {
    session_api actor;
    std::shared_ptr<recording_sink> sink;
  };
  connection connect(const std::string& user, const std::string& session) {
    connection c;
    c.sink = std::make_shared<recording_sink>();
    c.actor = spawn_session(sys, session_deps{ctx, directory, authority}, principal{user, session},
                            c.sink, "127.0.0.1:40000");
    run();
    return c;
  }
  /// A client text frame on connection `c`, processed to the end.
  void client_says(const connection& c, const std::string& text) {
    tell(c.actor, inbound_atom::value, text);
    run();
  }

  // -- the node ---------------------------------------------------------------

  storage::test::temp_dir dir;
  std::unique_ptr<storage::database> db;
  security::password_hasher hasher{0, 16, security::password_cost::min}; ///< inline
  read_pool reads{0, 1024};                                              ///< inline
  std::shared_ptr<cluster::peer_table> peers;
  node_ref ctx;
  relay_api relay;
  directory_api directory;
  auth_api authority;
};

} // namespace chat::actors_test
