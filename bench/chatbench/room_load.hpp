#pragma once
// The open-loop engine of `rooms` and `max`: over a fleet whose clients sit
// in rooms (one WebSocket each), the first `senders` members of every room
// send `send` frames on a fixed schedule (openloop.hpp), each message stamped
// with its step, sender, counter and send time in its client_msg_id; every
// member's connection reads the `message` frames back, and the time from the
// send to each delivery goes into a histogram. A step is: send at `rate` for
// `seconds`, stop sending, drain (the last answers and deliveries, bounded),
// collect. Deliveries are attributed to the step their message was sent in.
#include "fleet.hpp"
#include "histogram.hpp"
#include "openloop.hpp"
#include "proc_stats.hpp"
#include "runner.hpp"

#include <boost/json/object.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chatbench {

/// What one step measured, all threads merged.
struct step_result {
  unsigned step = 0;
  double rate = 0;                     ///< sends/s per sender
  double window_seconds = 0;           ///< the sending window, as it ran
  double drain_seconds = 0;
  bool drained = false;                ///< every answer and expected delivery arrived in time
  std::uint64_t scheduled = 0;         ///< sends due in the window (issued, behind, or on a closed sender)
  std::uint64_t sends = 0;             ///< sends issued
  std::uint64_t sender_closed = 0;     ///< scheduled on a sender connection the server had closed
  std::uint64_t acked = 0;             ///< answered with `sent`
  std::uint64_t errors = 0;            ///< answered with `error`
  std::uint64_t unanswered = 0;        ///< neither, by the end of the drain
  std::uint64_t expected = 0;          ///< Σ acked × room members (live count; `loss` is exact)
  std::uint64_t delivered = 0;         ///< deliveries of this step's messages, acknowledged or not
  std::uint64_t abandoned = 0;         ///< in flight on a sender connection the server closed
  delivery_ledger ledger;              ///< per message (released once tallied)
  delivery_ledger::totals loss;        ///< acknowledged messages against their rooms' members
  std::uint64_t window_deliveries = 0; ///< deliveries received within the window (any step)
  std::uint64_t disconnects = 0;       ///< connections the server closed during the step
  std::uint64_t seq_gaps = 0;
  histogram latency;                   ///< send → delivery, ns
  histogram sent_latency;              ///< send → `sent`, ns
  histogram lag;                       ///< chatbench behind its own schedule, ns
  std::map<std::string, std::uint64_t> errors_by_code;
  std::map<int, std::uint64_t> close_codes;
  std::vector<proc_sample> server_before, server_after;  ///< window start, drain end
  std::optional<proc_sample> self_before, self_after;
};

class room_load {
public:
  /// Senders are the first `senders_per_room` members of every room of `f`
  /// (which must be prepared); call connect() next.
  room_load(runner& run, fleet& f, const common_options& common, std::size_t senders_per_room,
            std::string text);
  ~room_load();
  room_load(const room_load&) = delete;
  room_load& operator=(const room_load&) = delete;

  /// The fleet's connect phase with this engine's frame handlers (throws
  /// scenario_failure), then the connections handed to their threads.
  void connect();

  /// One step (step < max_steps): sends at `rate` per sender for `seconds`,
  /// then drains for at most `drain`. The progress line names it `label`.
  step_result run_step(unsigned step, double rate, double seconds, std::chrono::milliseconds drain,
                       const std::string& label);

  std::size_t senders() const noexcept { return senders_total_; }
  std::size_t members_per_room() const noexcept;
  /// Connections the server closed so far.
  std::uint64_t disconnects() const;
  /// `message` frames without this run's stamp, and other unprompted frames (presence, …), so far.
  std::uint64_t foreign_messages() const;
  std::uint64_t other_frames() const;

  static constexpr unsigned max_steps = 64;

  class thread_state;

private:
  runner& run_;
  fleet& fleet_;
  const common_options& common_;
  std::size_t senders_per_room_;
  std::size_t senders_total_ = 0;
  std::string text_;
  std::vector<std::uint32_t> sender_room_size_;  ///< by sender global index
  std::vector<std::unique_ptr<thread_state>> th_;
};

/// The report fields of a step: rates, latency (µs), loss, errors, server
/// and chatbench CPU. `members` and `senders` give the offered load.
boost::json::object step_json(const step_result& r, std::size_t rooms, std::size_t members,
                              std::size_t senders_per_room);

} // namespace chatbench
