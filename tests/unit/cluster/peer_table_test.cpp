#include <catch2/catch.hpp>

#include "cluster/peer_table.hpp"

using namespace chat::cluster;

namespace {

placement three_nodes(std::size_t self) {
  placement p;
  p.shards = 256;
  p.nodes = {{"n1", "127.0.0.1", 7101}, {"n2", "127.0.0.1", 7102}, {"n3", "127.0.0.1", 7103}};
  p.self = self;
  return p;
}

} // namespace

TEST_CASE("shard s belongs to group s mod N; without replication node g alone holds group g") {
  auto p = three_nodes(1);
  CHECK(p.group_of(0) == 0);
  CHECK(p.group_of(1) == 1);
  CHECK(p.group_of(2) == 2);
  CHECK(p.group_of(255) == 0);
  CHECK(p.replicas_of(1) == std::vector<std::size_t>{1});
  CHECK(p.holds(1));
  CHECK_FALSE(p.holds(2));
  CHECK(p.scope_names() == std::vector<std::string>{""});
  CHECK(p.scope_of(1) == 0);
  CHECK(p.scope_of(0) == placement::no_scope);
  CHECK(p.index_of("n3") == 2);
  CHECK(p.index_of("n9") == 3);
}

TEST_CASE("with replicas, group g is held by nodes g, g+1, ... and each gets a scope") {
  auto p = three_nodes(1);
  p.replicas = 2;
  CHECK(p.replicas_of(0) == std::vector<std::size_t>{0, 1});
  CHECK(p.replicas_of(2) == std::vector<std::size_t>{2, 0});
  CHECK(p.holds(0));
  CHECK(p.holds(1));
  CHECK_FALSE(p.holds(2));
  CHECK(p.scope_names() == std::vector<std::string>{"", "g0", "g1"});
  CHECK(p.scope_of(0) == 1);
  CHECK(p.scope_of(1) == 2);
  CHECK(p.scope_of(2) == placement::no_scope);
}

TEST_CASE("with replicas, a shard is served by its group's newest known leader") {
  auto p = three_nodes(0);
  p.replicas = 3;
  peer_table table{p};
  table.mark_up(0, {});
  table.mark_up(1, {});
  CHECK_FALSE(table.owner(4));                // group 1: no leader known yet
  CHECK(table.server_of(4) == peer_table::no_node);
  table.set_leader(1, 1, 5, {});
  CHECK(table.owner(4).has_value());
  CHECK(table.server_of(4) == 1);
  CHECK_FALSE(table.serves(4));
  table.set_leader(1, 0, 4, {});              // an older term is ignored
  CHECK(table.server_of(4) == 1);
  table.set_leader(1, 0, 6, {});              // a newer one wins: this node,
  CHECK_FALSE(table.serves(4));               // but it serves only under a lease
  table.renew_lease(1, peer_table::now_ms() + 60'000);
  CHECK(table.serves(4));
  table.forget_leader(1, 0, 6);               // this node stepped down
  CHECK_FALSE(table.serves(4));
  CHECK(table.server_of(4) == peer_table::no_node);
  table.set_leader(1, 1, 5, {});              // a stale announcement after that
  CHECK(table.server_of(4) == peer_table::no_node);
  table.set_leader(2, 2, 1, {});              // leader known but node 2 down
  CHECK_FALSE(table.owner(5));
}

TEST_CASE("a lease that ran out stops this node serving; a node going down takes its leaderships") {
  auto p = three_nodes(0);
  p.replicas = 3;
  peer_table table{p};
  table.mark_up(0, {});
  table.mark_up(1, {});
  table.set_leader(0, 0, 3, {});
  table.renew_lease(0, peer_table::now_ms() - 1); // a paused leader's stale lease
  CHECK_FALSE(table.serves(3));
  CHECK(table.server_of(3) == peer_table::no_node);
  table.renew_lease(0, peer_table::now_ms() + 60'000);
  CHECK(table.serves(3));
  table.renew_lease(1, peer_table::now_ms() + 60'000); // not led here: ignored
  table.set_leader(1, 1, 2, {});
  CHECK(table.server_of(4) == 1);
  table.mark_down(1);
  CHECK(table.server_of(4) == peer_table::no_node);
  table.mark_up(1, {});                          // restarted: leads nothing yet
  CHECK(table.server_of(4) == peer_table::no_node);
  table.set_leader(1, 1, 1, {});                 // an older term cannot come back
  CHECK(table.server_of(4) == peer_table::no_node);
}

TEST_CASE("the peer table knows which owners are reachable") {
  peer_table table{three_nodes(0)};
  // Nothing is up until the runtime registers this node's own actors.
  CHECK(table.missing() == std::vector<std::string>{"n1", "n2", "n3"});
  table.mark_up(0, {});
  CHECK(table.missing() == std::vector<std::string>{"n2", "n3"});
  CHECK(table.owner(3).has_value());  // shard 3 → n1, this node
  CHECK_FALSE(table.owner(4));        // shard 4 → n2, not connected
  table.mark_up(1, {});
  CHECK(table.owner(4).has_value());
  CHECK(table.relays().size() == 2);
  table.mark_down(1);
  CHECK_FALSE(table.owner(4));
  CHECK(table.missing() == std::vector<std::string>{"n2", "n3"});
  table.mark_down(0); // this node never goes down in its own table
  CHECK(table.owner(3).has_value());
}
