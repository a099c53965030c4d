// The idle scenario: --users log in once each (timed apart), then
// --connections WebSockets are opened (connection j: user j % users, node
// j % nodes, thread j % threads), each `POST /ws/ticket` + upgrade + `hello`:
// the set-up rate. They are then held idle for --hold seconds; the server's
// RSS before the connections and after the hold gives the memory per
// connection. A ping on every connection at the end checks they are alive.
#include "common.hpp"
#include "fleet.hpp"
#include "histogram.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "scenario.hpp"

#include <condition_variable>
#include <map>
#include <mutex>

namespace chatbench {

namespace {

struct stop_threads {
  runner& run;
  ~stop_threads() { run.stop(); }
};

class idle_thread final : public frame_handler {
public:
  counter pongs, other_frames, disconnects, connected;
  histogram connect_latency;                // touched by this thread only
  std::map<int, std::uint64_t> close_codes; // likewise; read after the threads stopped

  void on_frame(ws_connection&, std::string_view, const frame_info& f) override {
    (f.type == frame_type::pong ? pongs : other_frames).add();
  }
  void on_closed(ws_connection&, const error_code&, int close_code, bool by_us) override {
    if (by_us)
      return;
    disconnects.add();
    ++close_codes[close_code];
  }
};

std::uint64_t rss_sum(const std::vector<proc_sample>& s) {
  std::uint64_t n = 0;
  for (const auto& p : s)
    n += p.rss_kib;
  return n;
}

double cpu_sum(const std::vector<proc_sample>& s) {
  double n = 0;
  for (const auto& p : s)
    n += p.cpu_seconds;
  return n;
}

json::value limit_json(std::uint64_t v) { return v == UINT64_MAX ? json::value("unlimited") : json::value(v); }

} // namespace

json::object run_idle(const common_options& common, const idle_options& opts) {
  if (opts.connections == 0 || !(opts.hold_seconds >= 0))
    throw scenario_failure("idle: --connections must be positive");
  for (int pid : common.pids)
    if (!sample_process(pid))
      throw scenario_failure("--pids: cannot read /proc/" + std::to_string(pid) + "/stat");
  const std::size_t users =
    std::min(opts.connections, opts.users ? opts.users : std::max<std::size_t>(1, opts.connections / 10));
  progress_line line(common.progress);

  // descriptors: one per connection here and on the server (main raised ours to the hard limit)
  const auto self_limits = process_fd_limits(static_cast<int>(::getpid())).value_or(fd_limits{});
  const std::size_t need = opts.connections + std::size_t{common.threads} * common.concurrency * common.nodes.size() + 64;
  json::object fd;
  fd["chatbench_soft"] = limit_json(self_limits.soft);
  fd["chatbench_hard"] = limit_json(self_limits.hard);
  if (self_limits.soft < need)
    line.note("warning: chatbench may open " + std::to_string(need) + " descriptors but its limit is " +
              std::to_string(self_limits.soft) + " (hard limit " + std::to_string(self_limits.hard) +
              "): connections beyond it fail with 'Too many open files'; raise the hard limit (ulimit -Hn, "
              "/etc/security/limits.conf, systemd LimitNOFILE) to reach --connections");
  json::array server_fd;
  for (int pid : common.pids) {
    auto l = process_fd_limits(pid);
    if (!l)
      continue;
    server_fd.push_back(json::object{{"pid", pid}, {"soft", limit_json(l->soft)}, {"hard", limit_json(l->hard)}});
    const auto per_node = opts.connections / std::max<std::size_t>(1, common.pids.size()) + 64;
    if (l->soft < per_node)
      line.note("warning: server pid " + std::to_string(pid) + " may open " + std::to_string(per_node) +
                " descriptors but its limit is " + std::to_string(l->soft) +
                ": start the node after `ulimit -n " + std::to_string(std::min<std::uint64_t>(l->hard, per_node * 2)) +
                "` (at most its hard limit " + std::to_string(l->hard) + ")");
  }
  fd["server"] = std::move(server_fd);

  runner run(common.threads);
  fleet f(run, common, users, 0);
  std::vector<std::unique_ptr<idle_thread>> th;
  for (unsigned t = 0; t < run.size(); ++t)
    th.push_back(std::make_unique<idle_thread>());
  std::vector<std::vector<std::shared_ptr<ws_connection>>> conns(run.size());
  stop_threads guard{run};

  line.note("logging in " + std::to_string(users) + " users on " + std::to_string(common.nodes.size()) +
            " node(s)…");
  f.prepare();

  // connection j → thread j % threads, user j % users, node j % nodes
  std::vector<std::vector<std::size_t>> by_thread(run.size());
  for (std::size_t j = 0; j < opts.connections; ++j)
    by_thread[j % run.size()].push_back(j);
  for (unsigned t = 0; t < run.size(); ++t)
    conns[t].reserve(by_thread[t].size());

  auto total = [&](counter idle_thread::*m) {
    std::uint64_t n = 0;
    for (auto& t : th)
      n += ((*t).*m).get();
    return n;
  };

  line.note("opening " + std::to_string(opts.connections) + " websockets (ticket + upgrade + hello)…");
  const auto before = sample_all(common.pids);
  const auto self_before = sample_self();
  // the phase blocks this thread: a helper prints the progress meanwhile
  std::mutex m;
  std::condition_variable cv;
  bool phase_done = false;
  std::thread progress([&] {
    const auto t0 = steady_clock::now();
    std::unique_lock lock(m);
    while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return phase_done; }))
      line.update("[%5.1fs] connected %llu / %zu", std::chrono::duration<double>(steady_clock::now() - t0).count(),
                  static_cast<unsigned long long>(total(&idle_thread::connected)), opts.connections);
  });
  // connection j from 127.0.0.(2 + j % N), carried into the next octets past 255
  auto source_of = [&](std::size_t j) -> std::optional<asio::ip::address_v4> {
    if (opts.source_addresses == 0)
      return std::nullopt;
    const auto k = static_cast<std::uint32_t>(2 + j % opts.source_addresses);
    return asio::ip::address_v4((127u << 24) | (k & 0xffffffu));
  };
  const auto phase = run.run_phase(
    [&](unsigned t) { return by_thread[t].size(); }, common.concurrency,
    [&](unsigned t, unsigned w, std::size_t item) -> asio::awaitable<void> {
      const auto j = by_thread[t][item];
      const auto start = steady_clock::now();
      auto ws = co_await f.open_ws(t, w, j % users, j % f.node_count(), j, source_of(j));
      th[t]->connect_latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(steady_clock::now() - start).count()));
      ws->start_reading(th[t].get());
      conns[t].push_back(std::move(ws));
      th[t]->connected.add();
    },
    common.phase_timeout);
  {
    std::lock_guard lock(m);
    phase_done = true;
  }
  cv.notify_all();
  progress.join();
  line.end();
  const auto connected_at = sample_all(common.pids);
  const auto self_connected = sample_self();
  const auto connected = total(&idle_thread::connected);
  if (!phase.completed || phase.failures)
    line.note(phase.summary("connect (ticket + websocket + hello)") + "\n(" + std::to_string(connected) +
              " connected; measuring those)");

  // hold them idle
  const auto hold_start = steady_clock::now();
  const auto hold_end =
    hold_start + std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(opts.hold_seconds));
  for (auto tick = hold_start + std::chrono::seconds(1);; tick += std::chrono::seconds(1)) {
    std::this_thread::sleep_until(std::min(tick, hold_end));
    const auto now = steady_clock::now();
    if (now >= hold_end)
      break;
    line.update("[hold %4.1fs] open %llu  server RSS %llu KiB",
                std::chrono::duration<double>(now - hold_start).count(),
                static_cast<unsigned long long>(connected - total(&idle_thread::disconnects)),
                static_cast<unsigned long long>(rss_sum(sample_all(common.pids))));
  }
  line.end();
  const auto held = sample_all(common.pids);
  const auto open_after_hold = connected - std::min(connected, total(&idle_thread::disconnects));

  // alive? one ping each, every one answered (bounded)
  run.on_each(
    [&](unsigned t) {
      for (auto& ws : conns[t])
        ws->send(R"({"type":"ping","id":1})");
    },
    common.phase_timeout);
  const auto ping_end = steady_clock::now() + opts.ping_timeout;
  while (total(&idle_thread::pongs) < open_after_hold && steady_clock::now() < ping_end)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto pinged = sample_all(common.pids);

  close_connections(run, conns, std::chrono::milliseconds(5000));
  f.close_all(std::chrono::milliseconds(3000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let the server release them
  const auto closed = sample_all(common.pids);
  run.stop();

  histogram connect_latency;
  std::map<int, std::uint64_t> close_codes;
  for (auto& t : th) {
    connect_latency.merge(t->connect_latency);
    for (auto& [k, v] : t->close_codes)
      close_codes[k] += v;
  }
  const auto& tm = f.timings();
  json::object report;
  report["scenario"] = "idle";
  report["nodes"] = nodes_json(common);
  report["users"] = users;
  report["connections"] = opts.connections;
  report["connected"] = connected;
  report["threads"] = run.size();
  report["concurrency"] = common.concurrency;
  report["source_addresses"] = opts.source_addresses;
  report["connections_per_s"] = per_second(connected, phase.seconds);
  report["connect_latency_us"] = latency_json(connect_latency);
  json::array errors;
  for (const auto& e : phase.first_errors)
    errors.push_back(json::value(e));
  report["setup"] = json::object{{"login_seconds", round_to(tm.login_seconds, 0.001)},
                                 {"logins_per_s", per_second(users, tm.login_seconds)},
                                 {"connect_seconds", round_to(phase.seconds, 0.001)},
                                 {"connect_completed", phase.completed},
                                 {"connect_failures", phase.failures},
                                 {"first_errors", std::move(errors)}};
  report["hold_seconds"] = opts.hold_seconds;
  json::object closes;
  for (auto& [k, v] : close_codes)
    closes[std::to_string(k)] = v;
  report["check"] = json::object{{"open_after_hold", open_after_hold},
                                 {"pongs", total(&idle_thread::pongs)},
                                 {"disconnects", total(&idle_thread::disconnects)},
                                 {"close_codes", std::move(closes)},
                                 {"other_frames", total(&idle_thread::other_frames)}};
  if (!common.pids.empty()) {
    const auto b = rss_sum(before), h = rss_sum(held);
    json::object server;
    json::array pids;
    for (int pid : common.pids)
      pids.push_back(pid);
    server["pids"] = std::move(pids);
    server["rss_kib_before"] = b;
    server["rss_kib_connected"] = rss_sum(connected_at);
    server["rss_kib_after_hold"] = h;
    server["rss_kib_after_pings"] = rss_sum(pinged);
    server["rss_kib_after_close"] = rss_sum(closed);
    server["rss_kib_per_connection"] =
      connected ? std::round((static_cast<double>(h) - static_cast<double>(b)) / static_cast<double>(connected) * 100) / 100
                : 0.0;
    server["rss_kib_per_connection_after_pings"] =
      connected
        ? std::round((static_cast<double>(rss_sum(pinged)) - static_cast<double>(b)) / static_cast<double>(connected) * 100) /
            100
        : 0.0;
    const double cpu = cpu_sum(connected_at) - cpu_sum(before);
    server["connect_cpu_seconds"] = std::round(cpu * 1000) / 1000;
    server["cpu_us_per_connection"] = connected ? std::round(cpu * 1e6 / static_cast<double>(connected)) : 0.0;
    report["server"] = std::move(server);
  }
  report["chatbench"] = client_json(self_before, self_connected, phase.seconds, 0);
  report["chatbench"].as_object().erase("cpu_us_per_delivery");
  report["fd_limits"] = std::move(fd);
  return report;
}

} // namespace chatbench
