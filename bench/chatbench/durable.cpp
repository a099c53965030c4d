// The durable scenario: every client keeps up to --pipeline `send`s in flight
// to its room and measures the time to each `sent` (the message is in
// storage); all members' connections count the `message` deliveries.
#include "common.hpp"
#include "fleet.hpp"
#include "histogram.hpp"
#include "proc_stats.hpp"
#include "report.hpp"
#include "runner.hpp"
#include "scenario.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <map>

namespace chatbench {
namespace {

enum class stage { setup, run, drain };

struct durable_client {
  ws_connection* ws = nullptr;   // owned by the fleet's client_state
  std::string_view conv;         // the fleet's room_state::conv
  std::uint64_t room_size = 0;
  std::string cmid_prefix;
  std::uint64_t next_id = 1;
  std::vector<std::pair<std::uint64_t, steady_clock::time_point>> inflight;
  std::optional<std::uint64_t> last_seq;
  unsigned retries = 0;          // sends to issue again once the back-off timer fires
  std::unique_ptr<asio::steady_timer> timer;
  bool timer_armed = false;
};

class durable_thread final : public frame_handler {
public:
  durable_thread(asio::any_io_executor ex, std::size_t total_clients, const std::string& text, unsigned pipeline)
      : ex_(std::move(ex)), local_(total_clients, UINT32_MAX), text_(text), pipeline_(pipeline) {}

  // --- read by the main thread while running (progress) ---
  counter sends, acked, acked_late, deliveries, deliveries_late, errors, expected_deliveries, in_flight,
    seq_gaps, disconnects, other_frames, unmatched, abandoned;
  // --- read by the main thread only after the threads stopped ---
  histogram latency;
  std::map<std::string, std::uint64_t, std::less<>> errors_by_code;
  std::map<int, std::uint64_t> close_codes;

  void add_client(std::size_t global, ws_connection* ws, std::string_view conv, std::size_t room_size) {
    local_[global] = static_cast<std::uint32_t>(clients_.size());
    auto& c = clients_.emplace_back();
    c.ws = ws;
    c.conv = conv;
    c.room_size = room_size;
    c.cmid_prefix = "d" + std::to_string(global) + "-";
    c.timer = std::make_unique<asio::steady_timer>(ex_);
  }

  void start() {
    stage_ = stage::run;
    for (auto& c : clients_)
      for (unsigned k = 0; k < pipeline_; ++k)
        send_one(c);
  }
  void stop() { stage_ = stage::drain; }

  void on_frame(ws_connection& conn, std::string_view, const frame_info& f) override {
    const auto li = local_[conn.tag()];
    if (li == UINT32_MAX) {
      other_frames.add();
      return;
    }
    auto& c = clients_[li];
    switch (f.type) {
      case frame_type::sent: {
        auto sent_at = take_inflight(c, f.re);
        if (!sent_at) {
          unmatched.add();
          return;
        }
        latency.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(steady_clock::now() - *sent_at).count()));
        (stage_ == stage::run ? acked : acked_late).add();
        expected_deliveries.add(c.room_size);
        if (stage_ == stage::run)
          send_one(c);
        return;
      }
      case frame_type::message: {
        if (stage_ == stage::setup) {
          other_frames.add();
          return;
        }
        (stage_ == stage::run ? deliveries : deliveries_late).add();
        if (f.conv == c.conv && f.seq) {
          if (c.last_seq && *f.seq != *c.last_seq + 1)
            seq_gaps.add();
          c.last_seq = f.seq;
        }
        return;
      }
      case frame_type::error: {
        errors.add();
        auto code = f.code.empty() ? std::string_view("(no code)") : f.code;
        if (auto it = errors_by_code.find(code); it != errors_by_code.end())
          ++it->second;
        else
          errors_by_code.emplace(std::string(code), 1);
        if (take_inflight(c, f.re) && stage_ == stage::run)
          retry_later(c);  // e.g. rate_limited: back off, then send again
        return;
      }
      default:
        other_frames.add();
    }
  }

  void on_closed(ws_connection& conn, const error_code&, int close_code, bool by_us) override {
    if (by_us)
      return;
    disconnects.add();
    ++close_codes[close_code];
    const auto li = local_[conn.tag()];
    if (li == UINT32_MAX)
      return;
    auto& c = clients_[li];
    abandoned.add(c.inflight.size());
    in_flight.sub(c.inflight.size());
    c.inflight.clear();
  }

private:
  std::optional<steady_clock::time_point> take_inflight(durable_client& c, std::optional<std::uint64_t> re) {
    if (!re)
      return std::nullopt;
    for (auto it = c.inflight.begin(); it != c.inflight.end(); ++it)
      if (it->first == *re) {
        auto t = it->second;
        c.inflight.erase(it);
        in_flight.sub();
        return t;
      }
    return std::nullopt;
  }

  void send_one(durable_client& c) {
    if (!c.ws->is_open())
      return;
    const auto id = c.next_id++;
    auto frame = send_frame(id, c.conv, text_, c.cmid_prefix + std::to_string(id));
    c.inflight.emplace_back(id, steady_clock::now());
    in_flight.add();
    sends.add();
    c.ws->send(std::move(frame));
  }

  void retry_later(durable_client& c) {
    ++c.retries;
    if (c.timer_armed)
      return;
    c.timer_armed = true;
    c.timer->expires_after(std::chrono::milliseconds(10));
    c.timer->async_wait([this, &c](const error_code& ec) {
      c.timer_armed = false;
      if (ec)
        return;
      const auto n = std::exchange(c.retries, 0u);
      if (stage_ == stage::run)
        for (unsigned k = 0; k < n; ++k)
          send_one(c);
    });
  }

  asio::any_io_executor ex_;
  std::vector<std::uint32_t> local_;   // global client index -> clients_ index
  std::vector<durable_client> clients_;
  std::string text_;
  unsigned pipeline_;
  stage stage_ = stage::setup;
};

template <class F>
std::uint64_t sum(const std::vector<std::unique_ptr<durable_thread>>& th, F f) {
  std::uint64_t n = 0;
  for (const auto& t : th)
    n += f(*t).get();
  return n;
}

} // namespace

json::object run_durable(const common_options& common, const durable_options& opts) {
  if (opts.clients == 0 || opts.rooms == 0 || opts.pipeline == 0 || !(opts.seconds > 0))
    throw scenario_failure("durable: --clients, --rooms, --pipeline and --seconds must be positive");
  for (int pid : common.pids)
    if (!sample_process(pid))
      throw scenario_failure("--pids: cannot read /proc/" + std::to_string(pid) + "/stat");
  const bool tty = ::isatty(STDERR_FILENO);
  auto note = [&](const std::string& s) {
    if (common.progress)
      std::fprintf(stderr, "%s\n", s.c_str());
  };

  const auto text = filler_text("chatbench durable ", opts.text_bytes);

  // order matters: destroyed in reverse, the threads' state before the runner's io_contexts
  runner run(common.threads);
  fleet f(run, common, opts.clients, opts.rooms);
  std::vector<std::unique_ptr<durable_thread>> th;
  for (unsigned t = 0; t < run.size(); ++t)
    th.push_back(std::make_unique<durable_thread>(run.executor(t), opts.clients, text, opts.pipeline));

  note("setting up " + std::to_string(opts.clients) + " users in " + std::to_string(f.rooms().size()) +
       " rooms on " + std::to_string(common.nodes.size()) + " node(s)…");
  f.prepare();
  note("connecting " + std::to_string(opts.clients) + " websockets…");
  f.connect([&](unsigned t) { return th[t].get(); });
  const auto ms = common.phase_timeout;
  run.on_each_or_fail(
    [&](unsigned t) {
      for (auto i : f.clients_of(t)) {
        auto& c = f.clients()[i];
        const auto& room = f.rooms()[c.room];
        th[t]->add_client(i, c.ws.get(), room.conv, room.members.size());
      }
    },
    ms, "handing the connections to their threads");

  const auto before = sample_all(common.pids);
  const auto t0 = steady_clock::now();
  run.on_each_or_fail([&](unsigned t) { th[t]->start(); }, ms, "starting the clients");
  const auto window = std::chrono::duration<double>(opts.seconds);
  const auto end = t0 + std::chrono::duration_cast<steady_clock::duration>(window);
  auto last = t0;
  std::uint64_t last_acked = 0, last_deliv = 0;
  for (auto tick = t0 + std::chrono::seconds(1);; tick += std::chrono::seconds(1)) {
    std::this_thread::sleep_until(std::min(tick, end));
    const auto now = steady_clock::now();
    if (now >= end)
      break;
    if (!common.progress)
      continue;
    const double dt = std::chrono::duration<double>(now - last).count();
    const auto a = sum(th, [](auto& x) -> auto& { return x.acked; });
    const auto d = sum(th, [](auto& x) -> auto& { return x.deliveries; });
    std::fprintf(stderr, "%s[%5.1fs] acked/s %9.0f  deliveries/s %10.0f  errors %llu  in flight %llu%s",
                 tty ? "\r" : "", std::chrono::duration<double>(now - t0).count(), (a - last_acked) / dt,
                 (d - last_deliv) / dt, static_cast<unsigned long long>(sum(th, [](auto& x) -> auto& { return x.errors; })),
                 static_cast<unsigned long long>(sum(th, [](auto& x) -> auto& { return x.in_flight; })),
                 tty ? "   " : "\n");
    std::fflush(stderr);
    last_acked = a;
    last_deliv = d;
    last = now;
  }
  run.on_each_or_fail([&](unsigned t) { th[t]->stop(); }, ms, "stopping the clients");
  const double elapsed = std::chrono::duration<double>(steady_clock::now() - t0).count();
  if (common.progress && tty)
    std::fprintf(stderr, "\n");

  // drain: the answers to the last sends and their deliveries (bounded)
  const auto drain_end = steady_clock::now() + opts.drain_timeout;
  while (steady_clock::now() < drain_end) {
    const auto got = sum(th, [](auto& x) -> auto& { return x.deliveries; }) +
                     sum(th, [](auto& x) -> auto& { return x.deliveries_late; });
    if (sum(th, [](auto& x) -> auto& { return x.in_flight; }) == 0 &&
        got >= sum(th, [](auto& x) -> auto& { return x.expected_deliveries; }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto after = sample_all(common.pids);
  f.close_all(std::chrono::milliseconds(3000));
  run.stop();  // from here on the threads' state is read without races

  histogram latency;
  std::map<std::string, std::uint64_t> errors_by_code;
  std::map<int, std::uint64_t> close_codes;
  for (auto& t : th) {
    latency.merge(t->latency);
    for (auto& [k, v] : t->errors_by_code)
      errors_by_code[k] += v;
    for (auto& [k, v] : t->close_codes)
      close_codes[k] += v;
  }
  auto total = [&](counter durable_thread::*m) {
    std::uint64_t n = 0;
    for (auto& t : th)
      n += ((*t).*m).get();
    return n;
  };
  const auto acked = total(&durable_thread::acked);
  const auto deliveries = total(&durable_thread::deliveries);
  const auto deliveries_all = deliveries + total(&durable_thread::deliveries_late);
  const auto expected = total(&durable_thread::expected_deliveries);
  const auto& tm = f.timings();

  json::object report;
  report["scenario"] = "durable";
  report["nodes"] = nodes_json(common);
  report["clients"] = opts.clients;
  report["rooms"] = f.rooms().size();
  report["pipeline"] = opts.pipeline;
  report["threads"] = run.size();
  report["text_bytes"] = text.size();
  report["seconds"] = round_to(elapsed, 0.001);
  report["acked_sends"] = acked;
  report["acked_per_s"] = per_second(acked, elapsed);
  report["deliveries"] = deliveries;
  report["deliveries_per_s"] = per_second(deliveries, elapsed);
  report["sent_latency_us"] = latency_json(latency);
  json::object errs;
  for (auto& [k, v] : errors_by_code)
    errs[k] = v;
  report["errors"] = std::move(errs);
  report["setup"] = json::object{
    {"login_seconds", round_to(tm.login_seconds, 0.001)},
    {"logins_per_s", per_second(opts.clients, tm.login_seconds)},
    {"rooms_seconds", round_to(tm.rooms_seconds, 0.001)},
    {"connect_seconds", round_to(tm.connect_seconds, 0.001)},
    {"connections_per_s", per_second(opts.clients, tm.connect_seconds)}};
  json::object closes;
  for (auto& [k, v] : close_codes)
    closes[std::to_string(k)] = v;
  report["check"] = json::object{
    {"sends", total(&durable_thread::sends)},
    {"acked_total", acked + total(&durable_thread::acked_late)},
    {"unanswered", total(&durable_thread::in_flight)},
    {"expected_deliveries", expected},
    {"deliveries_total", deliveries_all},
    {"missing_deliveries", expected > deliveries_all ? expected - deliveries_all : 0},
    {"seq_gaps", total(&durable_thread::seq_gaps)},
    {"unmatched_answers", total(&durable_thread::unmatched)},
    {"other_frames", total(&durable_thread::other_frames)},
    {"disconnects", total(&durable_thread::disconnects)},
    {"close_codes", std::move(closes)}};
  if (!common.pids.empty())
    report["server"] = server_json(before, after, acked, deliveries);
  if (errors_by_code.count("rate_limited"))
    note("note: the node rate-limited sends (defaults: burst 100, 100 sends/s per connection); for this "
         "benchmark start it with higher rate_burst / rate_per_second in the [cluster] section of cluster.conf, "
         "or use more clients");
  return report;
}

} // namespace chatbench
