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
  CHECK_FALSE(read_cluster_secret(dir.write("short", "abc\n"), &error));
  auto secret = read_cluster_secret(dir.write("ok", std::string(40, 'k') + "\n"), &error);
  REQUIRE(secret);
  CHECK(*secret == std::string(40, 'k'));
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
  auto set = load_cluster_config(
    dir.write("b.conf", "[cluster]\nsecret_file = s\ninvites_per_minute = 5\n"
                        "max_pending_invitations = 20\n" + nodes),
    &error);
  REQUIRE(set);
  CHECK(set->invites_per_minute == 5);
  CHECK(set->max_pending_invitations == 20);
  CHECK_FALSE(load_cluster_config(
    dir.write("c.conf", "[cluster]\nsecret_file = s\ninvites_per_minute = 0\n" + nodes), &error));
}
