#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "config/cluster_config.hpp"

using namespace chat;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("chat-config-" + std::to_string(::getpid()) + "-"
                                        + std::to_string(rand()));
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream{path / name} << text;
    return (path / name).string();
  }
  /// Written mode 0600, as a secret file must be.
  std::string write_private(const std::string& name, const std::string& text) const {
    auto p = write(name, text);
    fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
    return p;
  }
};

} // namespace

TEST_CASE("the design's example config parses, with inline comments") {
  temp_dir dir;
  auto file = dir.write("cluster.conf", R"(
[cluster]
shards = 256
secret_file = var/cluster.secret  ; signs tokens
password_cost = interactive       ; argon2id preset
                                  ; "min" only for tests

[n1]
host = 127.0.0.1
cluster_port = 7101
http_port = 8101
data_dir = var/n1

[n2]
cluster_port = 7102
http_port = 8102
data_dir = /abs/n2
)");
  std::string error;
  auto cfg = load_cluster_config(file, &error);
  REQUIRE(cfg);
  CHECK(cfg->shards == 256);
  CHECK(cfg->password_cost == "interactive");
  CHECK(cfg->secret_file == (dir.path / "var/cluster.secret").string());
  REQUIRE(cfg->nodes.size() == 2);
  CHECK(cfg->find("n1")->http_port == 8101);
  CHECK(cfg->find("n1")->data_dir == (dir.path / "var/n1").string());
  CHECK(cfg->find("n2")->host == "127.0.0.1");
  CHECK(cfg->find("n2")->data_dir == "/abs/n2");
  CHECK(cfg->find("n3") == nullptr);
  CHECK(cfg->replicas == 2); // default: 3, or the node count when fewer
}

TEST_CASE("replicas defaults to 3 and may not exceed the node count") {
  temp_dir dir;
  std::string error;
  auto conf = [&](const std::string& cluster_keys, int nodes) {
    std::string text = "[cluster]\nsecret_file = s\n" + cluster_keys;
    for (int i = 1; i <= nodes; ++i)
      text += "[n" + std::to_string(i) + "]\ncluster_port=" + std::to_string(7100 + i)
              + "\nhttp_port=" + std::to_string(8100 + i) + "\ndata_dir=d" + std::to_string(i) + "\n";
    return load_cluster_config(dir.write("c.conf", text), &error);
  };
  CHECK(conf("", 5)->replicas == 3);
  CHECK(conf("", 1)->replicas == 1);
  CHECK(conf("replicas = 1\n", 3)->replicas == 1);
  CHECK(conf("replicas = 5\n", 5)->replicas == 5);
  CHECK_FALSE(conf("replicas = 4\n", 3));
  CHECK(error.find("replicas") != std::string::npos);
  CHECK_FALSE(conf("replicas = 0\n", 3));
}

TEST_CASE("bad configs are refused with the line at fault") {
  temp_dir dir;
  std::string error;
  auto conf = [&](const std::string& text) {
    return load_cluster_config(dir.write("c.conf", text), &error);
  };
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\nshardz = 4\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n"));
  CHECK(error.find(":3:") != std::string::npos);
  CHECK(error.find("shardz") != std::string::npos);
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\n[n1]\ncluster_port=1\nhttp_port=99999\ndata_dir=d\n"));
  CHECK(error.find("http_port") != std::string::npos);
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\n[n1]\nhttp_port=2\n"));
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\npassword_cost = fast\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n"));
  CHECK_FALSE(conf("[cluster]\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n"));
  CHECK_FALSE(load_cluster_config((dir.path / "missing.conf").string(), &error));
}

TEST_CASE("the cluster secret must exist and be long enough") {
  temp_dir dir;
  std::string error;
  CHECK_FALSE(read_cluster_secret((dir.path / "none").string(), &error));
  CHECK(error.find("secret") != std::string::npos);
  CHECK_FALSE(read_cluster_secret(dir.write_private("short", "abc\n"), &error));
  auto secret = read_cluster_secret(dir.write_private("ok", std::string(40, 'k') + "\n"), &error);
  REQUIRE(secret);
  CHECK(*secret == std::string(40, 'k'));
}

TEST_CASE("a secret file that group or others may access is refused") {
  temp_dir dir;
  std::string error;
  auto path = dir.write_private("secret", std::string(40, 'k'));
  for (auto mode : {fs::perms::group_read, fs::perms::others_read, fs::perms::group_write,
                    fs::perms::others_write}) {
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | mode);
    CHECK_FALSE(read_cluster_secret(path, &error));
    CHECK(error.find("chmod 600") != std::string::npos);
  }
  fs::permissions(path, fs::perms::owner_read);
  CHECK(read_cluster_secret(path, &error));
}

TEST_CASE("TLS on the cluster port: a CA, and a certificate and key for every node") {
  temp_dir dir;
  std::string error;
  auto conf = [&](const std::string& text) {
    return load_cluster_config(dir.write("c.conf", text), &error);
  };
  const std::string nodes = "[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d1\ntls_cert=n1.pem\ntls_key=n1.key\n"
                            "[n2]\ncluster_port=3\nhttp_port=4\ndata_dir=d2\n";
  auto c = conf("[cluster]\nsecret_file = s\ntls_ca = ca.pem\ntls_cert = all.pem\ntls_key = all.key\n" + nodes);
  REQUIRE(c);
  CHECK(c->tls());
  CHECK(c->tls_ca == (dir.path / "ca.pem").string());
  CHECK(c->nodes[0].tls_cert == (dir.path / "n1.pem").string()); // its own
  CHECK(c->nodes[1].tls_cert == (dir.path / "all.pem").string()); // the [cluster] default
  CHECK(c->nodes[1].tls_key == (dir.path / "all.key").string());
  CHECK(c->handshake_timeout_ms == 2000);
  CHECK(c->pending_handshakes == 64);
  CHECK(c->pending_handshakes_per_source == 8);
  // no TLS by default
  auto plain = conf("[cluster]\nsecret_file = s\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls());
  // a node without a certificate, certificates without a CA, half a chatctl identity
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\ntls_ca = ca.pem\n" + nodes));
  CHECK(error.find("n2") != std::string::npos);
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\n" + nodes));
  CHECK(error.find("tls_ca") != std::string::npos);
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\ntls_ca = ca.pem\ntls_cert = a\ntls_key = b\nchatctl_cert = c\n" + nodes));
  // the admission limits
  auto limits = conf("[cluster]\nsecret_file = s\nhandshake_timeout_ms = 500\npending_handshakes = 10\n"
                     "pending_handshakes_per_source = 2\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n");
  REQUIRE(limits);
  CHECK(limits->handshake_timeout_ms == 500);
  CHECK(limits->pending_handshakes == 10);
  CHECK(limits->pending_handshakes_per_source == 2);
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\nhandshake_timeout_ms = 5\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n"));
  CHECK_FALSE(conf("[cluster]\nsecret_file = s\nnot_a_key = 5\n[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d\n"));
  CHECK(error.find("unknown key") != std::string::npos);
}

TEST_CASE("HTTP edge keys: TLS files per cluster or per node, caps, threads") {
  temp_dir dir;
  std::string error;
  auto conf = [&](const std::string& cluster_keys, const std::string& n2_keys = "") {
    return load_cluster_config(
      dir.write("c.conf", "[cluster]\nsecret_file = s\n" + cluster_keys
                            + "[n1]\ncluster_port=1\nhttp_port=2\ndata_dir=d1\n"
                            + "[n2]\ncluster_port=3\nhttp_port=4\ndata_dir=d2\n" + n2_keys),
      &error);
  };
  auto plain = conf("");
  REQUIRE(plain);
  CHECK(plain->find("n1")->http_tls_cert.empty());
  CHECK(plain->http_max_connections == 0);
  CHECK(plain->http_max_connections_per_address == 1024);
  CHECK_FALSE(plain->http_cap_loopback);
  CHECK(plain->http_threads == 0);

  auto tls = conf("http_tls_cert = tls/all.crt\nhttp_tls_key = tls/all.key\n"
                  "http_max_connections = 50000\nhttp_max_connections_per_address = 0\n"
                  "http_cap_loopback = true\nhttp_threads = 3\n",
                  "http_tls_cert = /etc/n2.crt\nhttp_tls_key = /etc/n2.key\n");
  REQUIRE(tls);
  CHECK(tls->find("n1")->http_tls_cert == (dir.path / "tls/all.crt").string());
  CHECK(tls->find("n1")->http_tls_key == (dir.path / "tls/all.key").string());
  CHECK(tls->find("n2")->http_tls_cert == "/etc/n2.crt");
  CHECK(tls->http_max_connections == 50000);
  CHECK(tls->http_max_connections_per_address == 0);
  CHECK(tls->http_cap_loopback);
  CHECK(tls->http_threads == 3);

  CHECK_FALSE(conf("http_tls_cert = a.crt\n"));
  CHECK(error.find("http_tls_key") != std::string::npos);
  CHECK_FALSE(conf("http_cap_loopback = maybe\n"));
  CHECK_FALSE(conf("http_threads = 65\n"));
}

TEST_CASE("the WebSocket abuse bounds have defaults and may be set") {
  temp_dir dir;
  std::string error;
  auto conf = [&](const std::string& cluster_keys) {
    return load_cluster_config(
      dir.write("c.conf", "[cluster]\nsecret_file = s\n" + cluster_keys
                            + "[n1]\ncluster_port=7101\nhttp_port=8101\ndata_dir=d\n"),
      &error);
  };
  auto defaults = conf("");
  REQUIRE(defaults);
  CHECK(defaults->ws_typing_burst == 20);
  CHECK(defaults->ws_sync_in_flight == 4);
  CHECK(defaults->ws_sockets_per_session == 16);
  CHECK(defaults->tickets_per_session == 16);
  CHECK(defaults->ws_flood_window == 10);
  auto set = conf("ws_typing_per_second = 2\nws_flood_window = 30\ntickets_per_session = 4\n");
  REQUIRE(set);
  CHECK(set->ws_typing_per_second == 2);
  CHECK(set->ws_flood_window == 30);
  CHECK(set->tickets_per_session == 4);
  CHECK_FALSE(conf("ws_sync_in_flight = 0\n"));
  CHECK(error.find("ws_sync_in_flight") != std::string::npos);
  CHECK_FALSE(conf("ws_flood_window = soon\n"));
}

TEST_CASE("invitation limits have defaults and can be set") {
  temp_dir dir;
  const std::string nodes = "[n1]\nhost = 127.0.0.1\ncluster_port = 7101\nhttp_port = 8101\n"
                            "data_dir = d1\n";
  std::string error;
  auto defaults = load_cluster_config(dir.write("a.conf", "[cluster]\nsecret_file = s\n" + nodes),
                                      &error);
  REQUIRE(defaults);
  CHECK(defaults->invites_per_minute == 3);
  CHECK(defaults->max_pending_invitations == 1000);
  CHECK(defaults->max_blocks == 1000);
  auto set = load_cluster_config(
    dir.write("b.conf", "[cluster]\nsecret_file = s\ninvites_per_minute = 5\n"
                        "max_pending_invitations = 20\nmax_blocks = 7\n" + nodes),
    &error);
  REQUIRE(set);
  CHECK(set->invites_per_minute == 5);
  CHECK(set->max_pending_invitations == 20);
  CHECK(set->max_blocks == 7);
  CHECK_FALSE(load_cluster_config(
    dir.write("d.conf", "[cluster]\nsecret_file = s\nmax_blocks = 0\n" + nodes), &error));
  CHECK_FALSE(load_cluster_config(
    dir.write("c.conf", "[cluster]\nsecret_file = s\ninvites_per_minute = 0\n" + nodes), &error));
}
