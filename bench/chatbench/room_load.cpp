#include "room_load.hpp"

#include "common.hpp"
#include "frames.hpp"
#include "report.hpp"

#include <array>
#include <cmath>
#include <deque>
#include <queue>

namespace chatbench {

namespace {

struct member_conn {
  ws_connection* ws = nullptr;      // owned by the fleet's client_state
  std::string_view conv;            // the fleet's room_state::conv
  std::uint32_t room_size = 0;
  std::uint64_t last_seq = 0;
  bool have_seq = false;
  std::int32_t sender = -1;         // index in thread_state::senders_, or -1
};

struct pending_send {
  std::uint64_t id;
  std::uint64_t n;                  // the stamp's n (the schedule's k)
  steady_clock::time_point at;
  std::uint32_t step;
};

struct sender_state {
  std::uint32_t member = 0;         // index in thread_state::members_
  std::uint32_t global = 0;         // 0 … senders_total − 1: the stamp's sender and the stagger
  send_schedule sched;
  std::uint64_t next_id = 1;        // the frame id answered by `re`
  std::deque<pending_send> inflight;
};

/// One thread's figures of one step; touched by that thread only.
struct thread_step {
  std::uint64_t sends = 0, behind = 0, acked = 0, errors = 0, expected = 0, delivered = 0, disconnects = 0,
                seq_gaps = 0, abandoned = 0, sender_closed = 0;
  delivery_ledger ledger;
  histogram latency, sent_latency, lag;
  std::map<std::string, std::uint64_t, std::less<>> errors_by_code;
  std::map<int, std::uint64_t> close_codes;
};

} // namespace

class room_load::thread_state final : public frame_handler {
public:
  thread_state(asio::any_io_executor ex, std::size_t total_clients, const std::string& text)
      : timer_(ex), ex_(std::move(ex)), local_(total_clients, UINT32_MAX), text_(text) {}

  // --- read by the main thread while running ---
  counter sends, acked, deliveries, errors, in_flight, disconnects, foreign, other_frames;
  std::array<counter, max_steps> step_expected, step_delivered;

  void add_member(std::size_t global_client, ws_connection* ws, std::string_view conv, std::size_t room_size,
                  std::optional<std::uint32_t> sender_global) {
    local_[global_client] = static_cast<std::uint32_t>(members_.size());
    auto& m = members_.emplace_back();
    m.ws = ws;
    m.conv = conv;
    m.room_size = static_cast<std::uint32_t>(room_size);
    if (sender_global) {
      m.sender = static_cast<std::int32_t>(senders_.size());
      auto& s = senders_.emplace_back();
      s.member = static_cast<std::uint32_t>(members_.size() - 1);
      s.global = *sender_global;
    }
  }

  // --- called on this thread (runner::on_each) ---
  void start_step(unsigned step, double rate, steady_clock::time_point start, steady_clock::time_point end,
                  std::size_t senders_total) {
    step_ = step;
    if (steps_.size() <= step)
      steps_.resize(step + 1);
    for (auto& old : steps_)
      if (old)
        old->ledger = {};  // collected already: late deliveries of older steps are not counted any more
    steps_[step] = std::make_unique<thread_step>();
    cur_ = steps_[step].get();
    // n < rate × window (+1 for rounding)
    const double window = std::chrono::duration<double>(end - start).count();
    cur_->ledger = delivery_ledger(static_cast<std::uint32_t>(senders_total),
                                   static_cast<std::uint64_t>(std::ceil(rate * window)) + 1);
    heap_ = {};
    for (std::uint32_t i = 0; i < senders_.size(); ++i) {
      auto& s = senders_[i];
      s.sched = send_schedule(start, end, rate,
                              static_cast<double>(s.global) / static_cast<double>(std::max<std::size_t>(1, senders_total)));
      if (!s.sched.done())
        heap_.push({s.sched.due(), i});
    }
    sending_ = true;
    ++generation_;
    arm();
  }

  void stop_sending(steady_clock::time_point now) {
    sending_ = false;
    ++generation_;
    timer_.cancel();
    for (auto& s : senders_)
      cur_->behind += s.sched.due_by(now);
    heap_ = {};
  }

  /// A copy of this step's figures (on this thread, so no race with late frames).
  void collect(unsigned step, step_result& out) const {
    if (step >= steps_.size() || !steps_[step])
      return;
    const auto& s = *steps_[step];
    out.sends += s.sends;
    out.scheduled += s.sends + s.behind + s.sender_closed;
    out.sender_closed += s.sender_closed;
    out.acked += s.acked;
    out.errors += s.errors;
    out.expected += s.expected;
    out.delivered += s.delivered;
    out.disconnects += s.disconnects;
    out.seq_gaps += s.seq_gaps;
    out.abandoned += s.abandoned;
    out.ledger.merge(s.ledger);
    out.latency.merge(s.latency);
    out.sent_latency.merge(s.sent_latency);
    out.lag.merge(s.lag);
    for (const auto& [k, v] : s.errors_by_code)
      out.errors_by_code[k] += v;
    for (const auto& [k, v] : s.close_codes)
      out.close_codes[k] += v;
    for (const auto& snd : senders_)
      for (const auto& p : snd.inflight)
        out.unanswered += p.step == step;
  }

  void on_frame(ws_connection& conn, std::string_view, const frame_info& f) override {
    const auto li = conn.tag() < local_.size() ? local_[conn.tag()] : UINT32_MAX;
    if (li == UINT32_MAX) {
      other_frames.add();
      return;
    }
    auto& m = members_[li];
    switch (f.type) {
      case frame_type::message: {
        const auto now = steady_clock::now();
        auto st = parse_stamp(f.client_msg_id);
        if (!st || st->step >= steps_.size() || !steps_[st->step]) {
          foreign.add();
          return;
        }
        auto& s = *steps_[st->step];
        s.ledger.delivered(st->sender, st->n);
        const auto now_ns = steady_ns(now);
        s.latency.record(now_ns > st->t_ns ? now_ns - st->t_ns : 0);
        ++s.delivered;
        step_delivered[st->step].add();
        deliveries.add();
        if (f.conv == m.conv && f.seq) {
          if (m.have_seq && *f.seq != m.last_seq + 1 && cur_)
            ++cur_->seq_gaps;
          m.last_seq = *f.seq;
          m.have_seq = true;
        }
        return;
      }
      case frame_type::sent: {
        if (m.sender < 0)
          break;
        auto p = take(senders_[static_cast<std::size_t>(m.sender)], f.re);
        if (!p || p->step >= steps_.size() || !steps_[p->step])
          break;
        auto& s = *steps_[p->step];
        s.sent_latency.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(steady_clock::now() - p->at).count()));
        ++s.acked;
        s.ledger.acked(senders_[static_cast<std::size_t>(m.sender)].global, p->n);
        s.expected += m.room_size;
        step_expected[p->step].add(m.room_size);
        acked.add();
        return;
      }
      case frame_type::error: {
        errors.add();
        std::optional<pending_send> p;
        if (m.sender >= 0)
          p = take(senders_[static_cast<std::size_t>(m.sender)], f.re);
        thread_step* s = p && p->step < steps_.size() && steps_[p->step] ? steps_[p->step].get() : cur_;
        if (!s)
          return;
        ++s->errors;
        const auto code = f.code.empty() ? std::string_view("(no code)") : f.code;
        if (auto it = s->errors_by_code.find(code); it != s->errors_by_code.end())
          ++it->second;
        else
          s->errors_by_code.emplace(std::string(code), 1);
        return;
      }
      default:
        break;
    }
    other_frames.add();  // presence, member_joined, unmatched answers …
  }

  void on_closed(ws_connection& conn, const error_code&, int close_code, bool by_us) override {
    if (by_us)
      return;
    disconnects.add();
    if (cur_) {
      ++cur_->disconnects;
      ++cur_->close_codes[close_code];
    }
    const auto li = conn.tag() < local_.size() ? local_[conn.tag()] : UINT32_MAX;
    if (li == UINT32_MAX || members_[li].sender < 0)
      return;
    auto& s = senders_[static_cast<std::size_t>(members_[li].sender)];
    for (const auto& p : s.inflight)
      if (p.step < steps_.size() && steps_[p.step])
        ++steps_[p.step]->abandoned;
    in_flight.sub(s.inflight.size());
    s.inflight.clear();  // never answered: not acknowledged, so no expected deliveries
  }

private:
  struct due_entry {
    steady_clock::time_point due;
    std::uint32_t sender;
    bool operator>(const due_entry& o) const noexcept { return due > o.due; }
  };

  std::optional<pending_send> take(sender_state& s, std::optional<std::uint64_t> re) {
    if (!re)
      return std::nullopt;
    // answers come in send order: almost always the front
    for (auto it = s.inflight.begin(); it != s.inflight.end(); ++it)
      if (it->id == *re) {
        auto p = *it;
        s.inflight.erase(it);
        in_flight.sub();
        return p;
      }
    return std::nullopt;
  }

  void arm() {
    if (!sending_ || heap_.empty())
      return;
    timer_.expires_at(heap_.top().due);
    timer_.async_wait([this, g = generation_](const error_code& ec) {
      if (!ec)
        fire(g);
    });
  }

  void fire(std::uint64_t g) {
    if (g != generation_ || !sending_)
      return;
    const auto now = steady_clock::now();
    // a bounded batch, so reads get their turn even when far behind
    for (unsigned n = 0; n < 256 && !heap_.empty() && heap_.top().due <= now; ++n) {
      const auto e = heap_.top();
      heap_.pop();
      auto& s = senders_[e.sender];
      send_one(s, e.due, now);
      s.sched.advance();
      if (!s.sched.done())
        heap_.push({s.sched.due(), e.sender});
    }
    if (!heap_.empty() && heap_.top().due <= now)
      asio::post(ex_, [this, g] { fire(g); });
    else
      arm();
  }

  void send_one(sender_state& s, steady_clock::time_point due, steady_clock::time_point now) {
    auto& m = members_[s.member];
    if (!m.ws->is_open()) {
      ++cur_->sender_closed;  // the server closed this sender: its schedule goes on unsent
      return;
    }
    const auto id = s.next_id++;
    cmid_.clear();
    append_stamp(cmid_, stamp{step_, s.global, s.sched.index(), steady_ns(now)});
    s.inflight.push_back({id, s.sched.index(), now, step_});
    in_flight.add();
    sends.add();
    ++cur_->sends;
    cur_->lag.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - due).count()));
    m.ws->send(send_frame(id, m.conv, text_, cmid_));
  }

  asio::steady_timer timer_;
  asio::any_io_executor ex_;
  std::vector<std::uint32_t> local_;   // global client index -> members_ index
  std::vector<member_conn> members_;
  std::vector<sender_state> senders_;
  std::vector<std::unique_ptr<thread_step>> steps_;
  thread_step* cur_ = nullptr;
  std::priority_queue<due_entry, std::vector<due_entry>, std::greater<>> heap_;
  std::string text_;
  std::string cmid_;
  unsigned step_ = 0;
  std::uint64_t generation_ = 0;
  bool sending_ = false;
};

room_load::room_load(runner& run, fleet& f, const common_options& common, std::size_t senders_per_room,
                     std::string text)
    : run_(run), fleet_(f), common_(common), senders_per_room_(senders_per_room), text_(std::move(text)) {
  for (unsigned t = 0; t < run.size(); ++t)
    th_.push_back(std::make_unique<thread_state>(run.executor(t), f.clients().size(), text_));
}

room_load::~room_load() = default;

std::size_t room_load::members_per_room() const noexcept {
  return fleet_.rooms().empty() ? 0 : fleet_.rooms().front().members.size();
}

void room_load::connect() {
  fleet_.connect([this](unsigned t) { return th_[t].get(); });
  // sender global indices: room r's k-th sender is r * S + k
  std::vector<std::optional<std::uint32_t>> sender_of(fleet_.clients().size());
  std::uint32_t g = 0;
  for (const auto& room : fleet_.rooms())
    for (std::size_t k = 0; k < std::min(senders_per_room_, room.members.size()); ++k)
      sender_of[room.members[k]] = g++;
  senders_total_ = g;
  sender_room_size_.assign(g, 0);
  for (const auto& room : fleet_.rooms())
    for (std::size_t k = 0; k < std::min(senders_per_room_, room.members.size()); ++k)
      sender_room_size_[*sender_of[room.members[k]]] = static_cast<std::uint32_t>(room.members.size());
  run_.on_each_or_fail(
    [&](unsigned t) {
      for (auto i : fleet_.clients_of(t)) {
        auto& c = fleet_.clients()[i];
        const auto& room = fleet_.rooms()[c.room];
        th_[t]->add_member(i, c.ws.get(), room.conv, room.members.size(), sender_of[i]);
      }
    },
    common_.phase_timeout, "set-up: handing the connections to their threads");
}

std::uint64_t room_load::disconnects() const {
  std::uint64_t n = 0;
  for (const auto& t : th_)
    n += t->disconnects.get();
  return n;
}

std::uint64_t room_load::foreign_messages() const {
  std::uint64_t n = 0;
  for (const auto& t : th_)
    n += t->foreign.get();
  return n;
}

std::uint64_t room_load::other_frames() const {
  std::uint64_t n = 0;
  for (const auto& t : th_)
    n += t->other_frames.get();
  return n;
}

step_result room_load::run_step(unsigned step, double rate, double seconds, std::chrono::milliseconds drain,
                                const std::string& label) {
  if (step >= max_steps)
    throw scenario_failure("too many steps (at most " + std::to_string(max_steps) + ")");
  auto total = [this](counter thread_state::*m) {
    std::uint64_t n = 0;
    for (const auto& t : th_)
      n += ((*t).*m).get();
    return n;
  };
  auto step_total = [this, step](std::array<counter, max_steps> thread_state::*m) {
    std::uint64_t n = 0;
    for (const auto& t : th_)
      n += ((*t).*m)[step].get();
    return n;
  };
  const auto ms = common_.phase_timeout;
  step_result r;
  r.step = step;
  r.rate = rate;
  r.server_before = sample_all(common_.pids);
  r.self_before = sample_self();
  // every thread starts on the same instant, a little ahead
  const auto t0 = steady_clock::now() + std::chrono::milliseconds(20);
  const auto t_end = t0 + std::chrono::duration_cast<steady_clock::duration>(std::chrono::duration<double>(seconds));
  run_.on_each_or_fail([&](unsigned t) { th_[t]->start_step(step, rate, t0, t_end, senders_total_); }, ms,
                       "starting the step");
  std::this_thread::sleep_until(t0);
  const auto deliveries0 = total(&thread_state::deliveries);

  progress_line line(common_.progress);
  const double offered_dl = static_cast<double>(senders_total_) * rate * static_cast<double>(members_per_room());
  auto last = t0;
  auto last_sends = total(&thread_state::sends);
  auto last_deliv = deliveries0;
  for (auto tick = t0 + std::chrono::seconds(1);; tick += std::chrono::seconds(1)) {
    std::this_thread::sleep_until(std::min(tick, t_end));
    const auto now = steady_clock::now();
    if (now >= t_end)
      break;
    const double dt = std::chrono::duration<double>(now - last).count();
    const auto s = total(&thread_state::sends);
    const auto d = total(&thread_state::deliveries);
    line.update("%s[%5.1fs] offered %.0f dl/s | sends/s %8.0f  deliveries/s %9.0f | in flight %llu  errors %llu  "
                "closed %llu",
                label.c_str(), std::chrono::duration<double>(now - t0).count(), offered_dl, (s - last_sends) / dt,
                (d - last_deliv) / dt, static_cast<unsigned long long>(total(&thread_state::in_flight)),
                static_cast<unsigned long long>(total(&thread_state::errors)),
                static_cast<unsigned long long>(total(&thread_state::disconnects)));
    last = now;
    last_sends = s;
    last_deliv = d;
  }
  const auto stop_at = steady_clock::now();
  run_.on_each_or_fail([&](unsigned t) { th_[t]->stop_sending(stop_at); }, ms, "stopping the senders");
  r.window_deliveries = total(&thread_state::deliveries) - deliveries0;
  r.window_seconds = std::chrono::duration<double>(stop_at - t0).count();
  line.end();

  // drain: the last answers and the deliveries of every acknowledged message
  const auto d0 = steady_clock::now();
  const auto drain_end = d0 + drain;
  while (true) {
    if (total(&thread_state::in_flight) == 0 &&
        step_total(&thread_state::step_delivered) >= step_total(&thread_state::step_expected)) {
      r.drained = true;
      break;
    }
    if (steady_clock::now() >= drain_end)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.drain_seconds = std::chrono::duration<double>(steady_clock::now() - d0).count();
  r.server_after = sample_all(common_.pids);
  r.self_after = sample_self();

  std::vector<step_result> parts(th_.size());
  run_.on_each_or_fail([&](unsigned t) { th_[t]->collect(step, parts[t]); }, ms,
                       "collecting the step's figures");
  for (auto& p : parts) {
    r.scheduled += p.scheduled;
    r.sends += p.sends;
    r.acked += p.acked;
    r.errors += p.errors;
    r.unanswered += p.unanswered;
    r.expected += p.expected;
    r.delivered += p.delivered;
    r.disconnects += p.disconnects;
    r.seq_gaps += p.seq_gaps;
    r.abandoned += p.abandoned;
    r.sender_closed += p.sender_closed;
    r.ledger.merge(p.ledger);
    r.latency.merge(p.latency);
    r.sent_latency.merge(p.sent_latency);
    r.lag.merge(p.lag);
    for (auto& [k, v] : p.errors_by_code)
      r.errors_by_code[k] += v;
    for (auto& [k, v] : p.close_codes)
      r.close_codes[k] += v;
  }
  r.loss = r.ledger.tally(sender_room_size_);
  r.ledger = {};
  return r;
}

json::object step_json(const step_result& r, std::size_t rooms, std::size_t members, std::size_t senders_per_room) {
  const double w = r.window_seconds;
  const double offered_sends = static_cast<double>(rooms * senders_per_room) * r.rate;
  json::object o;
  o["rate_per_sender"] = round_to(r.rate, 0.001);
  o["offered_sends_per_s"] = static_cast<std::uint64_t>(std::llround(offered_sends));
  o["offered_deliveries_per_s"] = static_cast<std::uint64_t>(std::llround(offered_sends * static_cast<double>(members)));
  o["seconds"] = round_to(w, 0.001);
  o["sends"] = r.sends;
  o["sends_per_s"] = per_second(r.sends, w);
  o["acked"] = r.acked;
  o["deliveries_per_s"] = per_second(r.window_deliveries, w);
  o["latency_us"] = latency_json(r.latency);
  o["sent_latency_us"] = latency_json(r.sent_latency);
  o["send_lag_us"] = latency_json(r.lag);
  json::object errs;
  for (const auto& [k, v] : r.errors_by_code)
    errs[k] = v;
  o["errors"] = std::move(errs);
  json::object closes;
  for (const auto& [k, v] : r.close_codes)
    closes[std::to_string(k)] = v;
  o["loss"] = json::object{
    {"acked_messages", r.loss.acked_messages},
    {"expected_deliveries", r.loss.expected},
    {"delivered", r.loss.delivered},
    {"missing", r.loss.missing},
    {"messages_with_loss", r.loss.messages_with_loss},
    {"loss_percent", std::round(loss_percent(r.loss.expected, r.loss.delivered) * 10000) / 10000},
    {"drained", r.drained},
    {"drain_seconds", round_to(r.drain_seconds, 0.001)}};
  o["check"] = json::object{{"scheduled", r.scheduled},
                            {"behind_schedule", r.scheduled - std::min(r.scheduled, r.sends + r.sender_closed)},
                            {"sender_closed", r.sender_closed},
                            {"unanswered", r.unanswered},
                            {"abandoned", r.abandoned},
                            {"deliveries_total", r.delivered},
                            {"unacked_delivered", r.loss.unacked_delivered},
                            {"duplicates", r.loss.duplicates},
                            {"seq_gaps", r.seq_gaps},
                            {"disconnects", r.disconnects},
                            {"close_codes", std::move(closes)}};
  if (!r.server_before.empty())
    o["server"] = server_json(r.server_before, r.server_after, r.acked, r.delivered);
  o["chatbench"] = client_json(r.self_before, r.self_after, w + r.drain_seconds, r.delivered);
  return o;
}

} // namespace chatbench
