// The hugeroom scenario (issue 17): N members (one WebSocket each, spread
// round-robin over the nodes) all in ONE conversation, one of them sending
// --rate messages/s for --seconds. Every member must get every message; the
// report gives deliveries expected / received / missing, send → delivery
// p50/p99/max, and each node's CPU per message: the conversation's node
// sends a message once per node whatever the member count, so its CPU per
// message should stay flat as N grows (the nodes' relays do the fan-out).
#include "common.hpp"
#include "fleet.hpp"
#include "report.hpp"
#include "room_load.hpp"
#include "runner.hpp"
#include "scenario.hpp"

#include <cstdlib>
#include <thread>

namespace chatbench {

namespace {
struct stop_threads {
  runner& run;
  ~stop_threads() { run.stop(); }
};

/// The node's counters of interest from `GET /metrics` (blocking, bounded by
/// `timeout`): relay deliveries and messages sent to other nodes. Empty when
/// the node does not answer.
struct node_counters {
  bool ok = false;
  double deliveries = 0, cross_node = 0;
};

node_counters scrape(const node_url& node, std::chrono::milliseconds timeout) {
  node_counters out;
  try {
    asio::io_context ctx;
    beast::tcp_stream stream(ctx);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    bool done = false;
    asio::co_spawn(
      ctx,
      [&]() -> asio::awaitable<void> {
        co_await stream.async_connect(resolve_loopback(node), asio::use_awaitable);
        http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
        req.set(http::field::host, node.host_header());
        co_await http::async_write(stream, req, asio::use_awaitable);
        co_await http::async_read(stream, buf, parser, asio::use_awaitable);
        done = true;
      },
      asio::detached);
    ctx.run_for(timeout);  // bounded: what has not finished by then is dropped
    if (!done || parser.get().result_int() != 200)
      return out;
    // Prometheus text: `name{labels} value` per line
    auto value_of = [](std::string_view line, std::string_view name, double* v) {
      if (line.substr(0, name.size()) != name || line.size() <= name.size() ||
          (line[name.size()] != '{' && line[name.size()] != ' '))
        return;
      *v = std::strtod(std::string(line.substr(line.rfind(' ') + 1)).c_str(), nullptr);
    };
    std::string_view body = parser.get().body();
    while (!body.empty()) {
      const auto nl = body.find('\n');
      const auto line = body.substr(0, nl);
      value_of(line, "chat_deliveries_total", &out.deliveries);
      value_of(line, "chat_cross_node_messages_total", &out.cross_node);
      body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    }
    out.ok = true;
  } catch (const std::exception&) {
  }
  return out;
}

std::vector<node_counters> scrape_all(const common_options& common) {
  std::vector<node_counters> out;
  for (const auto& n : common.nodes)
    out.push_back(scrape(n, common.request_timeout));
  return out;
}

std::vector<proc_sample> sample_pids(const std::vector<int>& pids) {
  std::vector<proc_sample> out;
  for (int pid : pids)
    if (auto s = sample_process(pid))
      out.push_back(*s);
  return out;
}

double cpu_of(const std::vector<proc_sample>& v, int pid) {
  for (const auto& s : v)
    if (s.pid == pid)
      return s.cpu_seconds;
  return 0;
}

/// Per server process: CPU seconds over the step (window + drain), its idle
/// CPU per second measured before sending (`idle_*`), and µs per acknowledged
/// message with that idle share taken off (at 1 message/s a node's idle
/// work, heartbeats and timers, would otherwise dominate).
json::array cpu_per_message(const step_result& r, const std::vector<proc_sample>& idle_before,
                            const std::vector<proc_sample>& idle_after, double idle_seconds) {
  json::array out;
  const double span = r.window_seconds + r.drain_seconds;
  for (const auto& b : r.server_before)
    for (const auto& a : r.server_after)
      if (a.pid == b.pid) {
        const double d = a.cpu_seconds - b.cpu_seconds;
        const double idle_rate =
          idle_seconds > 0 ? (cpu_of(idle_after, b.pid) - cpu_of(idle_before, b.pid)) / idle_seconds : 0;
        const double net = std::max(0.0, d - idle_rate * span);
        const double n = static_cast<double>(r.acked);
        out.push_back(json::object{
          {"pid", b.pid},
          {"cpu_seconds", round_to(d, 0.001)},
          {"idle_cpu_per_s", round_to(idle_rate, 0.0001)},
          {"cpu_us_per_message", r.acked ? round_to(d * 1e6 / n, 0.1) : 0.0},
          {"cpu_us_per_message_net", r.acked ? round_to(net * 1e6 / n, 0.1) : 0.0}});
      }
  return out;
}
} // namespace

json::object run_hugeroom(const common_options& common, const hugeroom_options& opts) {
  if (opts.members < 2 || !(opts.rate > 0) || !(opts.seconds > 0))
    throw scenario_failure("hugeroom: --members must be at least 2; --rate and --seconds positive");
  for (int pid : common.pids)
    if (!sample_process(pid))
      throw scenario_failure("--pids: cannot read /proc/" + std::to_string(pid) + "/stat");
  progress_line line(common.progress);
  const auto text = filler_text("chatbench hugeroom ", opts.text_bytes);

  runner run(common.threads);
  fleet f(run, common, opts.members, 1);
  room_load load(run, f, common, 1, text);
  stop_threads guard{run};

  line.note("setting up " + std::to_string(opts.members) + " users in one room on " +
            std::to_string(common.nodes.size()) + " node(s)…");
  f.prepare();
  line.note("connecting " + std::to_string(opts.members) + " websockets…");
  load.connect();
  // the nodes' idle CPU (after the set-up's presence frames have gone out)
  std::vector<proc_sample> idle_before, idle_after;
  if (!common.pids.empty() && opts.idle_seconds > 0) {
    line.note("measuring the nodes' idle CPU for " + format_number(opts.idle_seconds) + " s…");
    idle_before = sample_pids(common.pids);
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long long>(opts.idle_seconds * 1000)));
    idle_after = sample_pids(common.pids);
  }
  line.note("sending: 1 sender × " + format_number(opts.rate) + " msg/s → " +
            format_number(opts.rate * static_cast<double>(opts.members)) + " deliveries/s, for " +
            format_number(opts.seconds) + " s");
  const auto counters_before = scrape_all(common);
  auto r = load.run_step(0, opts.rate, opts.seconds, opts.drain_timeout, "");
  const auto counters_after = scrape_all(common);
  const auto foreign = load.foreign_messages();
  const auto other = load.other_frames();
  f.close_all(std::chrono::milliseconds(5000));
  run.stop();

  json::array per_node;
  for (std::size_t n = 0; n < common.nodes.size(); ++n) {
    std::size_t members = 0;
    for (const auto& c : f.clients())
      members += c.node == n;
    json::object o{{"url", common.nodes[n].text()}, {"members", members}};
    // over the window + drain, from the node's /metrics: what its relay
    // handed to local connections, and what it sent to other nodes (the
    // conversation's node: one relay message per other node per message)
    if (counters_before[n].ok && counters_after[n].ok && r.acked) {
      const double acked = static_cast<double>(r.acked);
      o["relay_deliveries_per_message"] =
        round_to((counters_after[n].deliveries - counters_before[n].deliveries) / acked, 0.01);
      o["cross_node_messages_per_message"] =
        round_to((counters_after[n].cross_node - counters_before[n].cross_node) / acked, 0.01);
    }
    per_node.push_back(std::move(o));
  }
  const auto& tm = f.timings();
  json::object report;
  report["scenario"] = "hugeroom";
  report["nodes"] = nodes_json(common);
  report["members"] = opts.members;
  report["members_per_node"] = std::move(per_node);
  report["conversation"] = f.rooms().front().conv;
  report["connections"] = opts.members;
  report["threads"] = run.size();
  report["text_bytes"] = text.size();
  for (auto& kv : step_json(r, 1, opts.members, 1))
    report[kv.key()] = kv.value();
  auto& check = report["check"].as_object();
  check["foreign_messages"] = foreign;
  check["other_frames"] = other;
  if (!r.server_before.empty())
    report["cpu_per_message"] = cpu_per_message(r, idle_before, idle_after, idle_after.empty() ? 0 : opts.idle_seconds);
  report["setup"] = json::object{{"login_seconds", round_to(tm.login_seconds, 0.001)},
                                 {"room_seconds", round_to(tm.rooms_seconds, 0.001)},
                                 {"connect_seconds", round_to(tm.connect_seconds, 0.001)},
                                 {"connect_retries", tm.connect_retries},
                                 {"connections_per_s", per_second(opts.members, tm.connect_seconds)}};
  if (r.close_codes.count(4008))
    line.note("note: the node closed " + std::to_string(r.close_codes.at(4008)) +
              " connection(s) with 4008 (outbound queue over ws_queue_frames / ws_queue_bytes)");
  return report;
}

} // namespace chatbench
