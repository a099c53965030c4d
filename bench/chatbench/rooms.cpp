// The rooms scenario: R rooms × K members (one WebSocket each, spread over
// the nodes), the first S members of every room send at a fixed rate (open
// loop) for --seconds; every delivery's send → delivery time is measured
// from the stamp in its client_msg_id, and every acknowledged message must
// reach all K members (loss). See room_load.hpp for the engine.
#include "common.hpp"
#include "fleet.hpp"
#include "report.hpp"
#include "room_load.hpp"
#include "runner.hpp"
#include "scenario.hpp"

namespace chatbench {

namespace {
/// Stops the runner's threads before the state they use is destroyed (also
/// when a step throws).
struct stop_threads {
  runner& run;
  ~stop_threads() { run.stop(); }
};
} // namespace

std::string filler_text(std::string_view prefix, std::size_t bytes) {
  std::string text(prefix);
  while (text.size() < bytes)
    text.push_back(static_cast<char>('a' + text.size() % 26));
  text.resize(std::max<std::size_t>(1, bytes));
  return text;
}

json::object run_rooms(const common_options& common, const rooms_options& opts) {
  if (opts.rooms == 0 || opts.members == 0 || opts.senders == 0 || !(opts.rate > 0) || !(opts.seconds > 0))
    throw scenario_failure("rooms: --rooms, --members, --senders, --rate and --seconds must be positive");
  if (opts.senders > opts.members)
    throw scenario_failure("rooms: --senders must not exceed --members");
  for (int pid : common.pids)
    if (!sample_process(pid))
      throw scenario_failure("--pids: cannot read /proc/" + std::to_string(pid) + "/stat");
  progress_line line(common.progress);
  const auto text = filler_text("chatbench rooms ", opts.text_bytes);
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
  const double offered = static_cast<double>(load.senders()) * opts.rate * static_cast<double>(opts.members);
  line.note("sending: " + std::to_string(load.senders()) + " senders × " + format_number(opts.rate) +
            " msg/s → " + format_number(offered) + " deliveries/s offered, for " + format_number(opts.seconds) + " s");
  auto r = load.run_step(0, opts.rate, opts.seconds, opts.drain_timeout, "");
  const auto foreign = load.foreign_messages();
  const auto other = load.other_frames();
  f.close_all(std::chrono::milliseconds(3000));
  run.stop();

  const auto& tm = f.timings();
  json::object report;
  report["scenario"] = "rooms";
  report["nodes"] = nodes_json(common);
  report["rooms"] = opts.rooms;
  report["members"] = opts.members;
  report["senders_per_room"] = opts.senders;
  report["connections"] = clients;
  report["threads"] = run.size();
  report["text_bytes"] = text.size();
  for (auto& kv : step_json(r, opts.rooms, opts.members, opts.senders))
    report[kv.key()] = kv.value();
  auto& check = report["check"].as_object();
  check["foreign_messages"] = foreign;
  check["other_frames"] = other;
  report["setup"] = json::object{{"login_seconds", round_to(tm.login_seconds, 0.001)},
                                 {"logins_per_s", per_second(clients, tm.login_seconds)},
                                 {"rooms_seconds", round_to(tm.rooms_seconds, 0.001)},
                                 {"connect_seconds", round_to(tm.connect_seconds, 0.001)},
                                 {"connections_per_s", per_second(clients, tm.connect_seconds)}};
  if (r.close_codes.count(4008))
    line.note("note: the node closed " + std::to_string(r.close_codes.at(4008)) +
              " connection(s) with 4008: their outbound queue passed ws_queue_frames / ws_queue_bytes (the node "
              "fell behind the offered load); their missing deliveries count as loss");
  if (r.errors_by_code.count("rate_limited"))
    line.note("note: the node rate-limited sends (defaults: burst 100, 100 sends/s per connection); start it with "
              "higher rate_burst / rate_per_second in the [cluster] section of cluster.conf");
  if (r.sends + r.sender_closed < r.scheduled * 95 / 100)
    line.note("note: chatbench fell behind its own schedule (see check.behind_schedule, send_lag_us): the "
              "client, not the server, limited this run; try --threads or a free core");
  return report;
}

} // namespace chatbench
