// The max scenario: the rooms load (room_load.hpp) run in steps of
// --step-seconds, the per-sender rate multiplied by --factor each step,
// until a step breaks a limit (p99 send → delivery over --p99-limit-ms, loss
// or refused sends over --loss-limit %, a server close, or chatbench falling
// behind its schedule) or --max-steps / --max-rate is reached. Each step
// drains before the next, so its figures are its own. The best sustained
// rate is the highest delivered/s of a step within the limits.
#include "common.hpp"
#include "fleet.hpp"
#include "openloop.hpp"
#include "report.hpp"
#include "room_load.hpp"
#include "runner.hpp"
#include "scenario.hpp"

namespace chatbench {

namespace {
struct stop_threads {
  runner& run;
  ~stop_threads() { run.stop(); }
};

std::uint64_t server_cpu_us_per_delivery(const step_result& r) {
  double cpu = 0;
  for (const auto& b : r.server_before)
    for (const auto& a : r.server_after)
      if (a.pid == b.pid)
        cpu += a.cpu_seconds - b.cpu_seconds;
  return r.delivered ? static_cast<std::uint64_t>(std::llround(cpu * 1e6 / static_cast<double>(r.delivered))) : 0;
}

std::string ms_text(std::uint64_t us) { return format_number(static_cast<double>(us) / 1000.0) + " ms"; }
} // namespace

json::object run_max(const common_options& common, const max_options& opts) {
  if (opts.rooms == 0 || opts.members == 0 || opts.senders == 0 || !(opts.start_rate > 0) ||
      !(opts.step_seconds > 0) || opts.max_steps == 0)
    throw scenario_failure("max: --rooms, --members, --senders, --start-rate, --step-seconds and --max-steps must "
                           "be positive");
  if (opts.senders > opts.members)
    throw scenario_failure("max: --senders must not exceed --members");
  if (opts.max_steps > room_load::max_steps)
    throw scenario_failure("max: at most " + std::to_string(room_load::max_steps) + " steps");
  for (int pid : common.pids)
    if (!sample_process(pid))
      throw scenario_failure("--pids: cannot read /proc/" + std::to_string(pid) + "/stat");
  const auto rates = rate_steps(opts.start_rate, opts.factor, opts.max_steps, opts.max_rate);
  const step_limits limits{opts.p99_limit_ms, opts.loss_limit_percent};
  progress_line line(common.progress);
  const auto text = filler_text("chatbench max ", opts.text_bytes);
  const std::size_t clients = opts.rooms * opts.members;

  runner run(common.threads);
  fleet f(run, common, clients, opts.rooms);
  room_load load(run, f, common, opts.senders, text);
  stop_threads guard{run};

  line.note("setting up " + std::to_string(clients) + " users in " + std::to_string(opts.rooms) + " rooms of " +
            std::to_string(opts.members) + " on " + std::to_string(common.nodes.size()) + " node(s)…");
  f.prepare();
  line.note("connecting " + std::to_string(clients) + " websockets…");
  load.connect();

  json::array steps;
  std::optional<json::object> best;
  std::uint64_t best_rate = 0;
  std::string stopped = rates.size() < opts.max_steps ? "max_rate" : "max_steps";
  histogram all_latency;
  for (unsigned k = 0; k < rates.size(); ++k) {
    const double offered = static_cast<double>(load.senders()) * rates[k] * static_cast<double>(opts.members);
    char label[96];
    std::snprintf(label, sizeof label, "step %u/%zu %s/s/sender ", k + 1, rates.size(), format_number(rates[k]).c_str());
    auto r = load.run_step(k, rates[k], opts.step_seconds, opts.drain_timeout, label);
    all_latency.merge(r.latency);
    step_figures fig;
    fig.p99_us = (r.latency.percentile(99) + 500) / 1000;
    fig.loss_percent = loss_percent(r.loss.expected, r.loss.delivered);
    fig.sends = r.sends;
    fig.scheduled = r.scheduled - r.sender_closed;  // a closed sender is a disconnect, not the client behind
    fig.errors = r.errors;
    fig.disconnects = r.disconnects;
    const auto verdict = judge(fig, limits);
    const auto delivered_per_s = per_second(r.window_deliveries, r.window_seconds);
    json::object s;
    s["step"] = k + 1;
    s["rate_per_sender"] = round_to(rates[k], 0.001);
    s["offered_deliveries_per_s"] = static_cast<std::uint64_t>(std::llround(offered));
    s["sends_per_s"] = per_second(r.sends, r.window_seconds);
    s["deliveries_per_s"] = delivered_per_s;
    s["p50_us"] = (r.latency.percentile(50) + 500) / 1000;
    s["p99_us"] = fig.p99_us;
    s["max_us"] = (r.latency.max() + 500) / 1000;
    s["loss_percent"] = std::round(fig.loss_percent * 10000) / 10000;
    s["errors"] = r.errors;
    s["disconnects"] = r.disconnects;
    s["behind_schedule"] = r.scheduled - std::min(r.scheduled, r.sends + r.sender_closed);
    if (!r.server_before.empty())
      s["server_cpu_us_per_delivery"] = server_cpu_us_per_delivery(r);
    if (r.self_before && r.self_after)
      s["chatbench_cpu_share"] =
        std::round((r.self_after->cpu_seconds - r.self_before->cpu_seconds) / (r.window_seconds + r.drain_seconds) * 100) /
        100;
    s["verdict"] = std::string(to_string(verdict));
    line.note("step " + std::to_string(k + 1) + ": offered " + format_number(offered) + " dl/s, delivered " +
              std::to_string(delivered_per_s) + "/s, p99 " + ms_text(fig.p99_us) + ", loss " +
              format_number(fig.loss_percent) + " %, errors " + std::to_string(r.errors) + ": " +
              std::string(to_string(verdict)));
    if (verdict == step_verdict::ok && delivered_per_s >= best_rate) {
      best_rate = delivered_per_s;
      best = s;
      (*best)["detail"] = step_json(r, opts.rooms, opts.members, opts.senders);
    }
    steps.push_back(std::move(s));
    if (verdict != step_verdict::ok) {
      stopped = std::string(to_string(verdict)) + " at step " + std::to_string(k + 1);
      break;
    }
  }
  const auto foreign = load.foreign_messages();
  f.close_all(std::chrono::milliseconds(3000));
  run.stop();

  const auto& tm = f.timings();
  json::object report;
  report["scenario"] = "max";
  report["nodes"] = nodes_json(common);
  report["rooms"] = opts.rooms;
  report["members"] = opts.members;
  report["senders_per_room"] = opts.senders;
  report["connections"] = clients;
  report["threads"] = run.size();
  report["text_bytes"] = text.size();
  report["limits"] = json::object{{"p99_ms", opts.p99_limit_ms}, {"loss_percent", opts.loss_limit_percent}};
  report["step_seconds"] = opts.step_seconds;
  report["best_deliveries_per_s"] = best_rate;
  report["best"] = best ? json::value(std::move(*best)) : json::value(nullptr);
  report["stopped"] = stopped;
  report["steps"] = std::move(steps);
  report["latency_all_steps_us"] = latency_json(all_latency);
  report["foreign_messages"] = foreign;
  report["setup"] = json::object{{"login_seconds", round_to(tm.login_seconds, 0.001)},
                                 {"logins_per_s", per_second(clients, tm.login_seconds)},
                                 {"rooms_seconds", round_to(tm.rooms_seconds, 0.001)},
                                 {"connect_seconds", round_to(tm.connect_seconds, 0.001)},
                                 {"connections_per_s", per_second(clients, tm.connect_seconds)}};
  if (!best)
    line.note("note: no step stayed within the limits; lower --start-rate");
  return report;
}

} // namespace chatbench
