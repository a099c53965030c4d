// The cluster port over TLS: the descriptors handed to BASP carry bytes both
// ways through the pump, a close on one side reaches the other, and a
// certificate from another CA is refused. Certificates are made with the
// openssl CLI (scripts/install-deps.sh installs it) in a temp dir.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/gate.hpp"
#include "cluster/handshake.hpp"
#include "security/crypto.hpp"
#include "security/tls_context.hpp"

using namespace chat::cluster;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

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

/// A CA and certificates it signed, in a temp dir removed at the end.
struct pki {
  fs::path dir;
  pki() {
    dir = fs::temp_directory_path() / ("chat-tls-" + std::to_string(::getpid()) + "-"
                                       + std::to_string(rand()));
    fs::create_directories(dir);
  }
  ~pki() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }

  void run(const std::string& cmd) const {
    REQUIRE(std::system(("cd '" + dir.string() + "' && " + cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
  void make_ca(const std::string& ca) const {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + ca
        + ".key -subj /CN=" + ca + " -days 2 -out " + ca + ".pem");
  }
  void issue(const std::string& ca, const std::string& name) const {
    run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + name
        + ".key -subj /CN=" + name + " -out " + name + ".csr && openssl x509 -req -in " + name
        + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -set_serial 1 -days 2 -out " + name + ".pem");
  }
  gate_settings settings(const std::string& ca, const std::string& name) const {
    std::string error;
    chat::security::tls_files files{path(name + ".pem"), path(name + ".key"), path(ca + ".pem")};
    gate_settings s;
    s.tls_server = chat::security::tls_server_context(files, &error);
    s.tls_client = chat::security::tls_client_context(files, &error);
    INFO(error);
    REQUIRE(s.tls_server);
    REQUIRE(s.tls_client);
    return s;
  }
};

struct dial_result {
  int fd;
  std::string error;
};

dial_result dial(gate& g, std::uint16_t port) {
  auto p = std::make_shared<std::promise<dial_result>>();
  auto f = p->get_future();
  g.dial("127.0.0.1", port, [p](int fd, std::string error) { p->set_value({fd, error}); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  return f.get();
}

/// Reads exactly n bytes within 5 s, or what came before EOF.
std::string read_n(int fd, std::size_t n) {
  std::string out;
  while (out.size() < n) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0)
      break;
    char buf[65536];
    auto got = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (got <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

const auto key = handshake::cluster_key("a-cluster-secret-of-at-least-32-chars");

} // namespace

TEST_CASE("over TLS, BASP's descriptors carry bytes both ways and a close goes through") {
  chat::security::init();
  pki certs;
  certs.make_ca("ca");
  certs.issue("ca", "n1");
  certs.issue("ca", "n2");
  auto port = free_port();
  gate server{"n2", key, certs.settings("ca", "n2")};
  std::promise<std::pair<int, std::string>> admitted;
  std::string error;
  REQUIRE(server.listen("127.0.0.1", port,
                        [&](int fd, std::string peer) { admitted.set_value({fd, peer}); }, &error));
  gate client{"n1", key, certs.settings("ca", "n1")};
  auto r = dial(client, port);
  INFO(r.error);
  REQUIRE(r.fd >= 0);
  auto in = admitted.get_future();
  REQUIRE(in.wait_for(5s) == std::future_status::ready);
  auto [server_fd, peer] = in.get();
  CHECK(peer == "n1");
  // More than one pump buffer each way.
  std::string big(200'000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&, fd = r.fd] {
    std::size_t off = 0;
    while (off < big.size()) {
      auto n = ::write(fd, big.data() + off, big.size() - off);
      if (n > 0)
        off += static_cast<std::size_t>(n);
      else {
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, 1000);
      }
    }
  });
  CHECK(read_n(server_fd, big.size()) == big);
  writer.join();
  REQUIRE(::write(server_fd, "pong", 4) == 4);
  CHECK(read_n(r.fd, 4) == "pong");
  // BASP closing its end closes the connection: the other side reads EOF.
  ::close(server_fd);
  pollfd p{r.fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);
  char c;
  CHECK(::read(r.fd, &c, 1) == 0);
  ::close(r.fd);
}

TEST_CASE("a certificate from another CA is refused, whichever side presents it") {
  chat::security::init();
  pki certs;
  certs.make_ca("ca");
  certs.make_ca("other");
  certs.issue("ca", "n2");
  certs.issue("other", "rogue");
  auto port = free_port();
  gate server{"n2", key, certs.settings("ca", "n2")};
  bool any_admitted = false;
  std::string error;
  REQUIRE(server.listen("127.0.0.1", port, [&](int fd, std::string) {
    any_admitted = true;
    ::close(fd);
  }, &error));
  // trusts the right CA but presents a certificate from the other one
  auto rogue_settings = certs.settings("other", "rogue");
  rogue_settings.tls_client = chat::security::tls_client_context(
    {certs.path("rogue.pem"), certs.path("rogue.key"), certs.path("ca.pem")}, &error);
  gate rogue{"n1", key, rogue_settings};
  CHECK(dial(rogue, port).fd == -1);
  // trusts only the other CA: refuses the server's certificate itself
  gate wary{"n1", key, certs.settings("other", "rogue")};
  auto r = dial(wary, port);
  CHECK(r.fd == -1);
  CHECK(r.error.find("certificate verify failed") != std::string::npos);
  server.stop();
  CHECK_FALSE(any_admitted);
}
