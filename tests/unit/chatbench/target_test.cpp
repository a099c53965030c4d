#include <catch2/catch.hpp>

#include "target.hpp"

using namespace chatbench;

TEST_CASE("urls: loopback http URLs are accepted") {
  auto a = parse_node_url("http://127.0.0.1:8101");
  REQUIRE(a.url);
  CHECK(a.url->host == "127.0.0.1");
  CHECK(a.url->port == 8101);
  CHECK(a.url->text() == "http://127.0.0.1:8101");
  auto b = parse_node_url("http://localhost:80/");
  REQUIRE(b.url);
  CHECK(b.url->host_header() == "localhost:80");
  auto c = parse_node_url("http://[::1]:9000");
  REQUIRE(c.url);
  CHECK(c.url->host == "::1");
  CHECK(c.url->host_header() == "[::1]:9000");
  CHECK(parse_node_url("http://127.8.9.10:1").url);
  CHECK(parse_node_url("http://127.0.0.1").url->port == 80);
}

TEST_CASE("urls: anything else is refused with a reason") {
  for (const char* u : {"http://10.0.0.1:8101", "http://example.com:80", "https://127.0.0.1:8101",
                        "127.0.0.1:8101", "http://127.0.0.1:8101/ws", "http://user@127.0.0.1:1",
                        "http://127.0.0.1:0", "http://127.0.0.1:70000", "http://[::2]:1", "http://:80",
                        "http://0.0.0.0:8101", "http://[::ffff:10.0.0.1]:1"}) {
    INFO(u);
    auto r = parse_node_url(u);
    CHECK_FALSE(r.url);
    CHECK_FALSE(r.error.empty());
  }
  CHECK(parse_node_url("http://10.1.2.3:8101").error.find("loopback") != std::string::npos);
}

TEST_CASE("urls: loopback literals") {
  CHECK(is_loopback_literal("127.0.0.1"));
  CHECK(is_loopback_literal("::1"));
  CHECK(is_loopback_literal("::ffff:127.0.0.1"));
  CHECK_FALSE(is_loopback_literal("192.168.1.1"));
  CHECK_FALSE(is_loopback_literal("localhost"));  // a name, resolved and checked later
}

TEST_CASE("cluster.conf: the nodes with an http_port") {
  auto r = parse_cluster_conf(R"(; comment
[cluster]
secret_file = s   ; trailing comment
http_port = 1
[n1]
host = 127.0.0.1
http_port = 8101  # another
[n2]
http_port = 8102
[n3]
cluster_port = 7103
)");
  REQUIRE(r.error.empty());
  REQUIRE(r.nodes.size() == 2);
  CHECK(r.nodes[0].text() == "http://127.0.0.1:8101");
  CHECK(r.nodes[1].text() == "http://127.0.0.1:8102");
  auto bad = parse_cluster_conf("[n1]\nhost = 10.0.0.5\nhttp_port = 8101\n");
  CHECK(bad.nodes.empty());
  CHECK(bad.error.find("n1") != std::string::npos);
  CHECK_FALSE(parse_cluster_conf("[cluster]\nshards = 1\n").error.empty());
}
