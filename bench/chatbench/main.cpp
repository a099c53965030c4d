// chatbench: load and measure chat nodes through the public protocol only
// (HTTP + WebSocket on loopback). See bench/README.md.
#include "proc_stats.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "scenario.hpp"
#include "target.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

using namespace chatbench;

namespace {

struct cli_common {
  std::vector<std::string> urls;
  std::string cluster_conf;
  std::string pids;
  double phase_timeout = 60;
  double request_timeout = 15;
  unsigned threads = 1;
  unsigned concurrency = 16;
  bool json = false;
  bool quiet = false;
};

void add_common(CLI::App& app, cli_common& c) {
  app.add_option("--url", c.urls, "a node's base URL, http://127.0.0.1:PORT (repeatable; loopback only)");
  app.add_option("--cluster-conf", c.cluster_conf, "take the nodes' URLs from this cluster.conf");
  app.add_option("--threads", c.threads, "client threads (one io_context each)")->check(CLI::Range(1u, 64u));
  app.add_option("--concurrency", c.concurrency, "set-up calls in flight per thread")->check(CLI::Range(1u, 1024u));
  app.add_option("--pids", c.pids, "server PIDs (comma-separated) whose CPU and RSS to report");
  app.add_option("--phase-timeout", c.phase_timeout, "seconds allowed for each set-up phase")
    ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--request-timeout", c.request_timeout, "seconds allowed for one HTTP call or websocket connect")
    ->check(CLI::Range(0.1, 600.0));
  app.add_flag("--json", c.json, "print the report as one JSON object");
  app.add_flag("-q,--quiet", c.quiet, "no progress output on stderr");
}

common_options to_common(const cli_common& c) {
  common_options o;
  for (const auto& u : c.urls) {
    auto r = parse_node_url(u);
    if (!r.url)
      throw CLI::ValidationError("--url", r.error);
    o.nodes.push_back(*r.url);
  }
  if (!c.cluster_conf.empty()) {
    auto r = read_cluster_conf(c.cluster_conf);
    if (!r.error.empty())
      throw CLI::ValidationError("--cluster-conf", r.error);
    o.nodes.insert(o.nodes.end(), r.nodes.begin(), r.nodes.end());
  }
  if (o.nodes.empty())
    throw CLI::ValidationError("--url", "give at least one --url (or --cluster-conf)");
  auto p = parse_pid_list(c.pids);
  if (!p.error.empty())
    throw CLI::ValidationError("--pids", p.error);
  o.pids = p.pids;
  o.threads = c.threads;
  o.concurrency = c.concurrency;
  o.phase_timeout = std::chrono::milliseconds(static_cast<long long>(c.phase_timeout * 1000));
  o.request_timeout = std::chrono::milliseconds(static_cast<long long>(c.request_timeout * 1000));
  o.json = c.json;
  o.progress = !c.quiet;
  return o;
}

void print(const common_options& o, const boost::json::object& report) {
  if (o.json)
    std::cout << boost::json::serialize(report) << std::endl;
  else
    std::cout << render_table(report) << std::flush;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"chatbench: load and measure chat nodes over the public HTTP + WebSocket protocol (loopback only)"};
  app.require_subcommand(1);

  cli_common durable_common;
  durable_options durable;
  double drain = 5;
  auto* d = app.add_subcommand("durable", "acknowledged sends/s and `sent` latency, deliveries counted");
  add_common(*d, durable_common);
  d->add_option("--clients", durable.clients, "users, one websocket each")->check(CLI::Range(1, 1'000'000));
  d->add_option("--rooms", durable.rooms, "group conversations; clients spread round-robin")
    ->check(CLI::Range(1, 1'000'000));
  d->add_option("--seconds", durable.seconds, "length of the measured run")->check(CLI::Range(0.1, 3600.0));
  d->add_option("--pipeline", durable.pipeline, "sends in flight per client")->check(CLI::Range(1u, 4096u));
  d->add_option("--text-bytes", durable.text_bytes, "message text size")->check(CLI::Range(1, 4096));
  d->add_option("--drain-timeout", drain, "seconds to wait for the last answers and deliveries")
    ->check(CLI::Range(0.0, 600.0));

  common_options common;
  try {
    app.parse(argc, argv);
    if (d->parsed())
      common = to_common(durable_common);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (d->parsed()) {
      durable.drain_timeout = std::chrono::milliseconds(static_cast<long long>(drain * 1000));
      // every phase is bounded; this is the backstop if something still hangs
      const auto budget = std::chrono::seconds(
        static_cast<long long>(6 * common.phase_timeout.count() / 1000 + durable.seconds + drain + 60));
      watchdog guard(budget);
      print(common, run_durable(common, durable));
    }
  } catch (const scenario_failure& e) {
    std::fprintf(stderr, "chatbench: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chatbench: %s\n", e.what());
    return 2;
  }
  return 0;
}
