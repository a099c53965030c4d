#pragma once
// The measurement parts of the open-loop scenarios (rooms, max), kept apart
// from the network code so they are unit-tested (tests/unit/chatbench):
//  - the stamp every message carries in its client_msg_id (which step, which
//    sender, a per-sender counter, the send time), read back on delivery;
//  - a sender's open-loop schedule (send k is due at start + (offset + k) / rate,
//    whatever the server answers: a slow server does not slow the load down);
//  - the rate steps of `max` and the verdict on each step.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chatbench {

/// What a delivered message says about itself. Written as the client_msg_id
/// `s<step>.<sender>.<n>.<t_ns>` (decimal, at most 4 + 10 + 10 + 20 + 20 < 64
/// bytes): unique per (sender, n), and `t_ns` is the send time on chatbench's
/// steady clock (one process, one clock for senders and receivers).
struct stamp {
  std::uint32_t step = 0;
  std::uint32_t sender = 0;
  std::uint64_t n = 0;
  std::uint64_t t_ns = 0;
  friend bool operator==(const stamp&, const stamp&) = default;
};

/// Appends the client_msg_id text of `s` to `out`.
void append_stamp(std::string& out, const stamp& s);
std::string format_stamp(const stamp& s);
/// The stamp in a client_msg_id; nullopt for anything else (another client's
/// id, a truncated or overflowing number, trailing bytes).
std::optional<stamp> parse_stamp(std::string_view text) noexcept;

/// Nanoseconds on the steady clock, the unit of stamp::t_ns.
inline std::uint64_t steady_ns(std::chrono::steady_clock::time_point t) noexcept {
  return static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

/// One sender's open-loop schedule: send k (0, 1, …) is due at
/// start + (offset + k) / rate seconds, for every k whose due time is before
/// `end`. `offset` in [0, 1) staggers the senders over one interval so that
/// they do not all fire together.
class send_schedule {
public:
  using clock = std::chrono::steady_clock;
  send_schedule() = default;
  send_schedule(clock::time_point start, clock::time_point end, double rate, double offset);

  bool done() const noexcept { return done_; }
  std::uint64_t index() const noexcept { return k_; }      ///< the next send's k
  clock::time_point due() const noexcept { return due_; }  ///< the next send's due time
  void advance() noexcept;                                  ///< the next send was issued

  /// How many sends are due at or before `now` (those not issued yet: behind).
  std::uint64_t due_by(clock::time_point now) const noexcept;

private:
  clock::time_point at(std::uint64_t k) const noexcept;
  clock::time_point start_{}, end_{};
  double interval_ns_ = 0;
  double offset_ = 0;
  std::uint64_t k_ = 0;
  clock::time_point due_{};
  bool done_ = true;
};

/// Per-message accounting of one step: for every message (sender, n) whether
/// it was acknowledged with `sent` and how many deliveries it got. Each thread
/// keeps one (senders record acks, receivers deliveries), merged at the end;
/// loss then counts only acknowledged messages, each against its room size.
class delivery_ledger {
public:
  delivery_ledger() = default;
  /// Room for `senders` senders of at most `per_sender` messages each (n < per_sender).
  delivery_ledger(std::uint32_t senders, std::uint64_t per_sender);

  /// False when (sender, n) is out of range (not counted).
  bool delivered(std::uint32_t sender, std::uint64_t n) noexcept;
  bool acked(std::uint32_t sender, std::uint64_t n) noexcept;
  /// Sums the deliveries, ORs the acks; a ledger of another shape is refused (false).
  bool merge(const delivery_ledger& other) noexcept;
  bool empty() const noexcept { return count_.empty(); }

  struct totals {
    std::uint64_t acked_messages = 0;
    std::uint64_t expected = 0;           ///< Σ room size over acknowledged messages
    std::uint64_t delivered = 0;          ///< deliveries of acknowledged messages, at most the room size each
    std::uint64_t missing = 0;            ///< expected − delivered
    std::uint64_t messages_with_loss = 0; ///< acknowledged messages some member did not get
    std::uint64_t duplicates = 0;         ///< deliveries beyond the room size
    std::uint64_t unacked_delivered = 0;  ///< deliveries of messages never acknowledged (their connection closed, …)
  };
  /// `room_size[sender]`: the deliveries each of its messages should get.
  totals tally(const std::vector<std::uint32_t>& room_size) const noexcept;

private:
  std::uint32_t senders_ = 0;
  std::uint64_t per_sender_ = 0;
  std::vector<std::uint16_t> count_;   // saturating
  std::vector<std::uint8_t> acked_;
};

/// The per-sender rates of `max`: start, start·factor, start·factor², …,
/// at most `steps` of them, none above `ceiling` (the last may be it).
std::vector<double> rate_steps(double start, double factor, unsigned steps, double ceiling);

/// The share of expected deliveries that never arrived, in percent (0 when
/// nothing was expected; deliveries above the expectation are no loss).
double loss_percent(std::uint64_t expected, std::uint64_t delivered) noexcept;

/// One step's figures as `max` judges them.
struct step_figures {
  std::uint64_t p99_us = 0;           ///< send → delivery
  double loss_percent = 0;            ///< acknowledged messages' deliveries that never arrived
  std::uint64_t sends = 0;            ///< sends issued in the window
  std::uint64_t scheduled = 0;        ///< sends the schedule asked for in the window
  std::uint64_t errors = 0;           ///< error frames answering sends
  std::uint64_t disconnects = 0;      ///< connections the server closed
};

struct step_limits {
  double p99_ms = 100;
  double loss_percent = 1;
};

enum class step_verdict {
  ok,            ///< within the limits: a sustained rate
  p99,           ///< send → delivery p99 over the limit
  loss,          ///< deliveries lost (or late beyond the drain) over the limit
  errors,        ///< sends refused (e.g. rate_limited) over the loss limit
  disconnects,   ///< the server closed connections (e.g. 4008, slow consumer)
  client_behind, ///< chatbench could not send at the scheduled rate: the client is the limit
};
std::string_view to_string(step_verdict v) noexcept;

/// The first limit the step broke, in the order client_behind, disconnects,
/// loss, errors, p99 (ok if none): a step the client could not drive says
/// nothing about the server.
step_verdict judge(const step_figures& f, const step_limits& limits) noexcept;

} // namespace chatbench
