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

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::chrono::seconds budget(const common_options& c, double run_seconds) {
  // every phase is bounded; this is the backstop if something still hangs
  return std::chrono::seconds(static_cast<long long>(6 * c.phase_timeout.count() / 1000 + run_seconds + 60));
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  raise_fd_limit();  // idle holds one descriptor per connection
  CLI::App app{"chatbench: load and measure chat nodes over the public HTTP + WebSocket protocol (loopback only)"};
  app.require_subcommand(1);

  // durable
  cli_common durable_common;
  durable_options durable;
  double durable_drain = 5;
  auto* d = app.add_subcommand("durable", "acknowledged sends/s and `sent` latency, deliveries counted");
  add_common(*d, durable_common);
  d->add_option("--clients", durable.clients, "users, one websocket each")->check(CLI::Range(1, 1'000'000));
  d->add_option("--rooms", durable.rooms, "group conversations; clients spread round-robin")
    ->check(CLI::Range(1, 1'000'000));
  d->add_option("--seconds", durable.seconds, "length of the measured run")->check(CLI::Range(0.1, 3600.0));
  d->add_option("--pipeline", durable.pipeline, "sends in flight per client")->check(CLI::Range(1u, 4096u));
  d->add_option("--text-bytes", durable.text_bytes, "message text size")->check(CLI::Range(1, 4096));
  d->add_option("--drain-timeout", durable_drain, "seconds to wait for the last answers and deliveries")
    ->check(CLI::Range(0.0, 600.0));

  // rooms
  cli_common rooms_common;
  rooms_options rooms;
  double rooms_drain = 5;
  auto* r = app.add_subcommand(
    "rooms", "R rooms x K members, S senders per room at a fixed rate: delivered/s, loss, send -> delivery latency");
  add_common(*r, rooms_common);
  r->add_option("--rooms", rooms.rooms, "group conversations")->check(CLI::Range(1, 100'000))->capture_default_str();
  r->add_option("--members", rooms.members, "members per room, one websocket each")
    ->check(CLI::Range(1, 100'000))->capture_default_str();
  r->add_option("--senders", rooms.senders, "senders per room (its first members)")
    ->check(CLI::Range(1, 100'000))->capture_default_str();
  r->add_option("--rate", rooms.rate, "messages/s per sender (open loop: on schedule, whatever the answers)")
    ->check(CLI::Range(0.01, 1'000'000.0))->capture_default_str();
  r->add_option("--seconds", rooms.seconds, "length of the measured run")->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  r->add_option("--text-bytes", rooms.text_bytes, "message text size")->check(CLI::Range(1, 4096))->capture_default_str();
  r->add_option("--drain-timeout", rooms_drain, "seconds to wait for the last answers and deliveries")
    ->check(CLI::Range(0.0, 600.0))->capture_default_str();

  // max
  cli_common max_common;
  max_options mx;
  double max_drain = 3;
  auto* x = app.add_subcommand(
    "max", "the rooms load, rate stepped up until p99 > limit or loss > limit: best sustained deliveries/s");
  add_common(*x, max_common);
  x->add_option("--rooms", mx.rooms, "group conversations")->check(CLI::Range(1, 100'000))->capture_default_str();
  x->add_option("--members", mx.members, "members per room, one websocket each")
    ->check(CLI::Range(1, 100'000))->capture_default_str();
  x->add_option("--senders", mx.senders, "senders per room (its first members)")
    ->check(CLI::Range(1, 100'000))->capture_default_str();
  x->add_option("--start-rate", mx.start_rate, "messages/s per sender at the first step")
    ->check(CLI::Range(0.01, 1'000'000.0))->capture_default_str();
  x->add_option("--factor", mx.factor, "rate multiplier from one step to the next")
    ->check(CLI::Range(1.01, 100.0))->capture_default_str();
  x->add_option("--max-rate", mx.max_rate, "no step above this rate per sender")
    ->check(CLI::Range(0.01, 1'000'000.0))->capture_default_str();
  x->add_option("--max-steps", mx.max_steps, "at most this many steps")->check(CLI::Range(1u, 64u))->capture_default_str();
  x->add_option("--step-seconds", mx.step_seconds, "length of each step")->check(CLI::Range(0.1, 600.0))
    ->capture_default_str();
  x->add_option("--p99-limit-ms", mx.p99_limit_ms, "a step whose send -> delivery p99 exceeds it ends the run")
    ->check(CLI::Range(0.001, 1e6))->capture_default_str();
  x->add_option("--loss-limit", mx.loss_limit_percent, "a step losing more (percent) ends the run")
    ->check(CLI::Range(0.0, 100.0))->capture_default_str();
  x->add_option("--text-bytes", mx.text_bytes, "message text size")->check(CLI::Range(1, 4096))->capture_default_str();
  x->add_option("--drain-timeout", max_drain, "seconds to wait after each step for its answers and deliveries")
    ->check(CLI::Range(0.0, 600.0))->capture_default_str();

  // idle
  cli_common idle_common;
  idle_common.concurrency = 64;
  idle_options idle;
  double ping_timeout = 10;
  auto* i = app.add_subcommand(
    "idle", "N idle websockets: set-up rate (ticket + upgrade + hello) and server RSS per connection");
  add_common(*i, idle_common);
  i->add_option("--connections", idle.connections, "websockets to open and hold")
    ->check(CLI::Range(1, 1'000'000))->capture_default_str();
  i->add_option("--users", idle.users, "users (each logs in once; connection j is user j % users); "
                                       "default: connections / 10")
    ->check(CLI::Range(1, 1'000'000));
  i->add_option("--hold", idle.hold_seconds, "seconds to hold them idle before reading the RSS again")
    ->check(CLI::Range(0.0, 3600.0))->capture_default_str();
  i->add_option("--source-addresses", idle.source_addresses,
                "spread the websockets over N loopback source addresses (127.0.0.2, 127.0.0.3, ...), each with "
                "its own ephemeral ports: past ~28,000 connections per node; 0: the kernel's choice")
    ->check(CLI::Range(0, 1'000'000))->capture_default_str();
  i->add_option("--ping-timeout", ping_timeout, "seconds to wait for every connection's pong at the end")
    ->check(CLI::Range(0.1, 600.0))->capture_default_str();

  // hugeroom
  cli_common huge_common;
  huge_common.concurrency = 64;
  hugeroom_options huge;
  double huge_drain = 5;
  auto* h = app.add_subcommand(
    "hugeroom", "one conversation of N members over all nodes, one sender: every member gets every message, "
                "send -> delivery latency, each node's CPU per message");
  add_common(*h, huge_common);
  h->add_option("--members", huge.members, "members of the one room, one websocket each")
    ->check(CLI::Range(2, 1'000'000))->capture_default_str();
  h->add_option("--rate", huge.rate, "messages/s from the one sender (open loop)")
    ->check(CLI::Range(0.01, 100'000.0))->capture_default_str();
  h->add_option("--seconds", huge.seconds, "length of the measured run")->check(CLI::Range(0.1, 3600.0))
    ->capture_default_str();
  h->add_option("--idle-seconds", huge.idle_seconds,
                "with --pids: quiet seconds before sending to measure the nodes' idle CPU, taken off the CPU per "
                "message (cpu_us_per_message_net); 0: none")
    ->check(CLI::Range(0.0, 600.0))->capture_default_str();
  h->add_option("--text-bytes", huge.text_bytes, "message text size")->check(CLI::Range(1, 4096))->capture_default_str();
  h->add_option("--drain-timeout", huge_drain, "seconds to wait for the last deliveries")
    ->check(CLI::Range(0.0, 600.0))->capture_default_str();

  common_options common;
  try {
    app.parse(argc, argv);
    if (d->parsed())
      common = to_common(durable_common);
    else if (r->parsed())
      common = to_common(rooms_common);
    else if (x->parsed())
      common = to_common(max_common);
    else if (i->parsed())
      common = to_common(idle_common);
    else if (h->parsed())
      common = to_common(huge_common);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  try {
    if (d->parsed()) {
      durable.drain_timeout = to_ms(durable_drain);
      watchdog guard(budget(common, durable.seconds + durable_drain));
      print(common, run_durable(common, durable));
    } else if (r->parsed()) {
      rooms.drain_timeout = to_ms(rooms_drain);
      watchdog guard(budget(common, rooms.seconds + rooms_drain));
      print(common, run_rooms(common, rooms));
    } else if (x->parsed()) {
      mx.drain_timeout = to_ms(max_drain);
      watchdog guard(budget(common, mx.max_steps * (mx.step_seconds + max_drain + 1)));
      print(common, run_max(common, mx));
    } else if (i->parsed()) {
      idle.ping_timeout = to_ms(ping_timeout);
      watchdog guard(budget(common, idle.hold_seconds + ping_timeout + 15));
      print(common, run_idle(common, idle));
    } else if (h->parsed()) {
      huge.drain_timeout = to_ms(huge_drain);
      watchdog guard(budget(common, huge.seconds + huge.idle_seconds + huge_drain + 4.0 * common.phase_timeout.count() / 1000));
      print(common, run_hugeroom(common, huge));
    }
  } catch (const std::exception& e) { // scenario_failure included
    std::fprintf(stderr, "chatbench: %s\n", e.what());
    return 2;
  }
  return 0;
}
