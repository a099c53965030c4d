#include "openloop.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace chatbench {

namespace {
void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // 20 digits at most: never fails
  out.append(buf, end);
}
} // namespace

void append_stamp(std::string& out, const stamp& s) {
  out.push_back('s');
  append_number(out, s.step);
  out.push_back('.');
  append_number(out, s.sender);
  out.push_back('.');
  append_number(out, s.n);
  out.push_back('.');
  append_number(out, s.t_ns);
}

std::string format_stamp(const stamp& s) {
  std::string out;
  append_stamp(out, s);
  return out;
}

namespace {
// one decimal number, then `sep` (or the end when sep == 0); advances `p`
template <class T>
bool number(const char*& p, const char* end, char sep, T& out) noexcept {
  if (p == end || *p < '0' || *p > '9')
    return false;
  auto [q, ec] = std::from_chars(p, end, out);
  if (ec != std::errc{})
    return false;
  p = q;
  if (sep == 0)
    return p == end;
  if (p == end || *p != sep)
    return false;
  ++p;
  return true;
}
} // namespace

std::optional<stamp> parse_stamp(std::string_view text) noexcept {
  if (text.size() < 8 || text.front() != 's')
    return std::nullopt;
  const char* p = text.data() + 1;
  const char* end = text.data() + text.size();
  stamp s;
  if (!number(p, end, '.', s.step) || !number(p, end, '.', s.sender) || !number(p, end, '.', s.n) ||
      !number(p, end, 0, s.t_ns))
    return std::nullopt;
  return s;
}

send_schedule::send_schedule(clock::time_point start, clock::time_point end, double rate, double offset)
    : start_(start), end_(end), interval_ns_(rate > 0 ? 1e9 / rate : 0), offset_(std::clamp(offset, 0.0, 0.999999)) {
  done_ = !(rate > 0);
  if (!done_) {
    due_ = at(0);
    done_ = due_ >= end_;
  }
}

send_schedule::clock::time_point send_schedule::at(std::uint64_t k) const noexcept {
  const double ns = (offset_ + static_cast<double>(k)) * interval_ns_;
  return start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(ns)));
}

void send_schedule::advance() noexcept {
  if (done_)
    return;
  ++k_;
  due_ = at(k_);
  done_ = due_ >= end_;
}

std::uint64_t send_schedule::due_by(clock::time_point now) const noexcept {
  if (done_ || now < due_)
    return 0;
  const auto limit = std::min(now, end_ - std::chrono::nanoseconds(1));
  if (limit < due_)
    return 0;
  // the last k with at(k) <= limit
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(limit - start_).count());
  auto last = static_cast<std::uint64_t>(std::max(0.0, std::floor(ns / interval_ns_ - offset_)));
  while (last > k_ && at(last) > limit)
    --last;
  while (at(last + 1) <= limit)
    ++last;
  return last >= k_ ? last - k_ + 1 : 0;
}

delivery_ledger::delivery_ledger(std::uint32_t senders, std::uint64_t per_sender)
    : senders_(senders), per_sender_(per_sender), count_(senders * per_sender, 0), acked_(senders * per_sender, 0) {}

bool delivery_ledger::delivered(std::uint32_t sender, std::uint64_t n) noexcept {
  if (sender >= senders_ || n >= per_sender_)
    return false;
  auto& c = count_[sender * per_sender_ + n];
  if (c != UINT16_MAX)
    ++c;
  return true;
}

bool delivery_ledger::acked(std::uint32_t sender, std::uint64_t n) noexcept {
  if (sender >= senders_ || n >= per_sender_)
    return false;
  acked_[sender * per_sender_ + n] = 1;
  return true;
}

bool delivery_ledger::merge(const delivery_ledger& other) noexcept {
  if (other.empty())
    return true;
  if (empty()) {
    *this = other;
    return true;
  }
  if (other.senders_ != senders_ || other.per_sender_ != per_sender_)
    return false;
  for (std::size_t i = 0; i < count_.size(); ++i) {
    const std::uint32_t sum = std::uint32_t{count_[i]} + other.count_[i];
    count_[i] = static_cast<std::uint16_t>(std::min<std::uint32_t>(sum, UINT16_MAX));
    acked_[i] |= other.acked_[i];
  }
  return true;
}

delivery_ledger::totals delivery_ledger::tally(const std::vector<std::uint32_t>& room_size) const noexcept {
  totals t;
  for (std::uint32_t s = 0; s < senders_; ++s) {
    const std::uint64_t size = s < room_size.size() ? room_size[s] : 0;
    for (std::uint64_t n = 0; n < per_sender_; ++n) {
      const auto i = s * per_sender_ + n;
      const std::uint64_t got = count_[i];
      if (!acked_[i]) {
        t.unacked_delivered += got;
        continue;
      }
      ++t.acked_messages;
      t.expected += size;
      t.delivered += std::min(got, size);
      if (got < size)
        ++t.messages_with_loss;
      else
        t.duplicates += got - size;
    }
  }
  t.missing = t.expected - t.delivered;
  return t;
}

std::vector<double> rate_steps(double start, double factor, unsigned steps, double ceiling) {
  std::vector<double> out;
  if (!(start > 0) || steps == 0)
    return out;
  double r = start;
  for (unsigned i = 0; i < steps; ++i) {
    if (r >= ceiling) {
      out.push_back(ceiling);
      break;
    }
    out.push_back(r);
    if (!(factor > 1))
      break;
    r *= factor;
  }
  return out;
}

double loss_percent(std::uint64_t expected, std::uint64_t delivered) noexcept {
  if (expected == 0 || delivered >= expected)
    return 0;
  return 100.0 * static_cast<double>(expected - delivered) / static_cast<double>(expected);
}

std::string_view to_string(step_verdict v) noexcept {
  switch (v) {
    case step_verdict::ok: return "ok";
    case step_verdict::p99: return "p99";
    case step_verdict::loss: return "loss";
    case step_verdict::errors: return "errors";
    case step_verdict::disconnects: return "disconnects";
    case step_verdict::client_behind: return "client_behind";
  }
  return "ok";
}

step_verdict judge(const step_figures& f, const step_limits& limits) noexcept {
  // the client fell more than 5 % behind its own schedule
  if (f.scheduled > 0 && static_cast<double>(f.sends) < 0.95 * static_cast<double>(f.scheduled))
    return step_verdict::client_behind;
  if (f.disconnects > 0)
    return step_verdict::disconnects;
  if (f.loss_percent > limits.loss_percent)
    return step_verdict::loss;
  if (f.sends > 0 && 100.0 * static_cast<double>(f.errors) / static_cast<double>(f.sends) > limits.loss_percent)
    return step_verdict::errors;
  if (static_cast<double>(f.p99_us) > limits.p99_ms * 1000.0)
    return step_verdict::p99;
  return step_verdict::ok;
}

} // namespace chatbench
