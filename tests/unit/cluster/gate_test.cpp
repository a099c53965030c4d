// The cluster port's admission check over real loopback sockets.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/gate.hpp"
#include "cluster/handshake.hpp"
#include "security/crypto.hpp"

using namespace chat::cluster;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct dial_result {
  int fd;
  std::string error;
};

dial_result dial(gate& g, std::uint16_t port) {
  std::promise<dial_result> p;
  auto f = p.get_future();
  g.dial("127.0.0.1", port, [&p](int fd, std::string error) { p.set_value({fd, error}); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

} // namespace

TEST_CASE("both sides derive different proofs from the same nonces") {
  auto key = handshake::cluster_key("a-cluster-secret-of-at-least-32-chars");
  std::string sn(32, 's'), cn(32, 'c');
  auto c = handshake::client_mac(key, sn, cn, "n1");
  auto s = handshake::server_mac(key, sn, cn);
  CHECK(c.size() == 32);
  CHECK(c != s);
  CHECK(c != handshake::client_mac(key, sn, cn, "n2"));
  CHECK(c != handshake::client_mac(handshake::cluster_key("another-secret-also-32-chars-long!"), sn,
                                   cn, "n1"));
  CHECK(handshake::valid_name("chatctl"));
  CHECK_FALSE(handshake::valid_name(""));
  CHECK_FALSE(handshake::valid_name("has space"));
}

TEST_CASE("a peer holding the key is admitted; the socket is handed over") {
  chat::security::init();
  auto key = handshake::cluster_key("a-cluster-secret-of-at-least-32-chars");
  auto port = free_port();
  gate server{"n2", key};
  std::promise<std::pair<int, std::string>> admitted;
  std::string error;
  REQUIRE(server.listen("127.0.0.1", port,
                        [&](int fd, std::string peer) { admitted.set_value({fd, peer}); }, &error));
  gate client{"n1", key};
  auto r = dial(client, port);
  REQUIRE(r.fd >= 0);
  auto in = admitted.get_future();
  REQUIRE(in.wait_for(5s) == std::future_status::ready);
  auto [server_fd, peer] = in.get();
  CHECK(peer == "n1");
  // The two descriptors are the two ends of one live connection.
  REQUIRE(::write(r.fd, "ping", 4) == 4);
  char buf[4];
  REQUIRE(::read(server_fd, buf, 4) == 4);
  CHECK(std::string(buf, 4) == "ping");
  ::close(r.fd);
  ::close(server_fd);
}

TEST_CASE("a peer with the wrong key is refused and nothing is handed over") {
  chat::security::init();
  auto port = free_port();
  gate server{"n2", handshake::cluster_key("a-cluster-secret-of-at-least-32-chars")};
  bool any_admitted = false;
  std::string error;
  REQUIRE(server.listen("127.0.0.1", port, [&](int fd, std::string) {
    any_admitted = true;
    ::close(fd);
  }, &error));
  gate intruder{"n1", handshake::cluster_key("not-the-cluster-secret-but-32-chars")};
  auto r = dial(intruder, port);
  CHECK(r.fd == -1);
  CHECK_FALSE(r.error.empty());
  server.stop();
  CHECK_FALSE(any_admitted);
}

TEST_CASE("the dialer refuses a server that cannot prove the key") {
  chat::security::init();
  auto port = free_port();
  gate impostor{"n2", handshake::cluster_key("not-the-cluster-secret-but-32-chars")};
  std::string error;
  REQUIRE(impostor.listen("127.0.0.1", port, [](int fd, std::string) { ::close(fd); }, &error));
  gate client{"n1", handshake::cluster_key("a-cluster-secret-of-at-least-32-chars")};
  auto r = dial(client, port);
  CHECK(r.fd == -1);
}

TEST_CASE("a port already in use is reported") {
  auto port = free_port();
  gate first{"n1", "k"}, second{"n1", "k"};
  std::string error;
  REQUIRE(first.listen("127.0.0.1", port, [](int fd, std::string) { ::close(fd); }, &error));
  CHECK_FALSE(second.listen("127.0.0.1", port, [](int fd, std::string) { ::close(fd); }, &error));
  CHECK(error.find("cannot listen") != std::string::npos);
}
