#pragma once
// The users, group conversations and WebSockets a scenario runs with, set up
// over the public API only: register + login every client, create the rooms
// (owner invites up to 100 members at creation), members accept; a bigger
// room grows in waves (every member invites a few more, they accept); then
// ticket + WebSocket + hello per client. Each phase is timed and bounded.
#include "asio.hpp"
#include "http_client.hpp"
#include "runner.hpp"
#include "scenario.hpp"
#include "ws_connection.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace chatbench {

struct client_state {
  std::size_t index = 0;
  unsigned thread = 0;        ///< the io_context its connections live on
  std::size_t node = 0;       ///< index in common_options::nodes
  std::size_t room = 0;
  std::string username, user_id, access_token;
  std::shared_ptr<ws_connection> ws;
};

struct room_state {
  std::size_t owner = 0;                 ///< a client index
  std::vector<std::size_t> members;      ///< client indices, owner first
  std::string conv;                      ///< conversation id
};

struct setup_timings {
  double login_seconds = 0;      ///< register + login, all clients
  double rooms_seconds = 0;      ///< create with invitations + accept
  double connect_seconds = 0;    ///< ticket + upgrade + hello, all clients
  std::uint64_t connect_retries = 0;  ///< connections tried again after a busy node's 503 / 1013
};

class fleet {
public:
  /// `clients` spread round-robin over rooms (client i in room i % rooms),
  /// over threads (i % threads) and over nodes (i % nodes). `rooms` 0: users
  /// only, no conversations (idle).
  fleet(runner& run, const common_options& common, std::size_t clients, std::size_t rooms);

  /// register + login, rooms, join; throws scenario_failure.
  void prepare();
  /// ticket + WebSocket + hello for every client; frames then go to
  /// handler_of(thread). Throws scenario_failure.
  void connect(std::function<frame_handler*(unsigned thread)> handler_of);
  /// One more connection of client `client` (its session): `POST /ws/ticket`
  /// on node `node`, upgrade there, `hello`. Runs on thread `thread` as phase
  /// worker `worker` (each worker has its own keep-alive HTTP connection per
  /// node). Throws on failure. The connection is not reading yet. `source`:
  /// the local address the WebSocket connects from (none: the kernel's).
  asio::awaitable<std::shared_ptr<ws_connection>> open_ws(unsigned thread, unsigned worker, std::size_t client,
                                                          std::size_t node, std::size_t tag,
                                                          std::optional<asio::ip::address_v4> source = std::nullopt);
  /// Closes every client's WebSocket and HTTP connection (bounded).
  void close_all(std::chrono::milliseconds timeout);

  std::size_t node_count() const noexcept { return endpoints_.size(); }

  std::vector<client_state>& clients() { return clients_; }
  std::vector<room_state>& rooms() { return rooms_; }
  const std::vector<std::size_t>& clients_of(unsigned thread) const { return by_thread_.at(thread); }
  const setup_timings& timings() const { return timings_; }

  /// The server's bound on `invite` at creation (docs/protocol.md, "Input limits").
  static constexpr std::size_t max_create_invites = 100;
  /// Tries per connection when the node answers "try again" (503, close 1013).
  static constexpr unsigned connect_attempts = 5;
  /// Invitations one member sends per growth wave of a bigger room.
  static constexpr std::size_t invites_per_member = 50;

private:
  struct invite_task {
    std::size_t room, inviter, invitee;  ///< room index, client indices
  };
  /// Accept phase: joiners[thread] accept their invitation; returns its seconds.
  double accept(const std::vector<std::vector<std::size_t>>& joiners);
  http_client& http(unsigned thread, unsigned worker, std::size_t node);
  void check(const phase_result& r, std::string_view phase);

  runner& run_;
  const common_options& common_;
  std::vector<tcp::endpoint> endpoints_;
  std::vector<client_state> clients_;
  std::vector<room_state> rooms_;
  std::vector<std::vector<std::size_t>> by_thread_;
  std::vector<std::vector<std::size_t>> rooms_by_thread_;   ///< rooms whose owner is on the thread
  /// [thread][worker * nodes + node], created lazily by the worker that uses it
  std::vector<std::vector<std::unique_ptr<http_client>>> http_;
  std::string run_id_;
  std::string password_;
  setup_timings timings_;
  std::atomic<std::uint64_t> connect_retries_{0};
};

/// Resolves a node's host (refusing any non-loopback result).
tcp::endpoint resolve_loopback(const node_url& node);

/// Closes the WebSockets in conns[thread] on their threads, then waits
/// (bounded) until none is open.
void close_connections(runner& run, std::vector<std::vector<std::shared_ptr<ws_connection>>>& conns,
                       std::chrono::milliseconds timeout);

} // namespace chatbench
