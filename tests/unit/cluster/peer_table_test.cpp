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

TEST_CASE("shard s belongs to the node at position s mod N in cluster.conf") {
  auto p = three_nodes(1);
  CHECK(p.owner(0) == 0);
  CHECK(p.owner(1) == 1);
  CHECK(p.owner(2) == 2);
  CHECK(p.owner(255) == 0);
  CHECK(p.is_local(4));
  CHECK_FALSE(p.is_local(5));
  CHECK(p.index_of("n3") == 2);
  CHECK(p.index_of("n9") == 3);
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
