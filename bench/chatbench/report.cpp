#include "report.hpp"

#include <boost/json/serialize.hpp>

#include <cmath>
#include <cstdio>

namespace chatbench {
namespace json = boost::json;

namespace {
// whole microseconds: integers keep the JSON plain (Boost.JSON writes doubles as 1.2E3)
std::uint64_t us(std::uint64_t ns) { return (ns + 500) / 1000; }
} // namespace

json::object latency_json(const histogram& h) {
  return {{"count", h.count()},
          {"p50", us(h.percentile(50))},
          {"p90", us(h.percentile(90))},
          {"p99", us(h.percentile(99))},
          {"p999", us(h.percentile(99.9))},
          {"max", us(h.max())},
          {"mean", static_cast<std::uint64_t>(std::llround(h.mean() / 1000.0))}};
}

std::string format_number(double v) {
  char buf[64];
  if (!std::isfinite(v))
    return "-";
  const double a = std::fabs(v);
  if (v == std::floor(v) && a < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (a >= 100)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else if (a >= 1)
    std::snprintf(buf, sizeof buf, "%.2f", v);
  else
    std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

namespace {

std::string scalar_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "-";
    case json::kind::bool_: return v.get_bool() ? "yes" : "no";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return format_number(v.get_double());
    case json::kind::string: return std::string(v.get_string());
    default: return json::serialize(v);
  }
}

bool is_scalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

void render(std::string& out, const json::object& o, int indent) {
  std::size_t width = 0;
  for (const auto& kv : o)
    width = std::max(width, kv.key().size());
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& kv : o) {
    const auto& v = kv.value();
    if (is_scalar(v)) {
      out += pad;
      out += kv.key();
      out.append(width + 2 - kv.key().size(), ' ');
      out += scalar_text(v);
      out += '\n';
    } else if (v.is_object()) {
      out += pad;
      out += kv.key();
      if (v.get_object().empty()) {
        out += "  (none)\n";
        continue;
      }
      out += ":\n";
      render(out, v.get_object(), indent + 2);
    } else {
      const auto& a = v.get_array();
      bool scalars = true;
      for (const auto& e : a)
        scalars = scalars && is_scalar(e);
      out += pad;
      out += kv.key();
      if (scalars) {
        out.append(width + 2 - kv.key().size(), ' ');
        for (std::size_t i = 0; i < a.size(); ++i)
          out += (i ? ", " : "") + scalar_text(a[i]);
        out += '\n';
      } else {
        out += ":\n";
        for (std::size_t i = 0; i < a.size(); ++i) {
          out += pad + "  [" + std::to_string(i) + "]\n";
          if (a[i].is_object())
            render(out, a[i].get_object(), indent + 4);
          else
            out += pad + "    " + json::serialize(a[i]) + "\n";
        }
      }
    }
  }
}

} // namespace

std::string render_table(const json::object& report) {
  std::string out;
  render(out, report, 0);
  return out;
}

json::object server_json(const std::vector<proc_sample>& before, const std::vector<proc_sample>& after,
                         std::uint64_t acks, std::uint64_t deliveries) {
  json::array procs;
  double cpu = 0;
  for (const auto& b : before) {
    json::object p{{"pid", b.pid}};
    const proc_sample* a = nullptr;
    for (const auto& s : after)
      if (s.pid == b.pid)
        a = &s;
    if (!a) {
      p["gone"] = true;
      procs.push_back(std::move(p));
      continue;
    }
    const double d = a->cpu_seconds - b.cpu_seconds;
    cpu += d;
    p["cpu_seconds"] = std::round(d * 100) / 100;
    p["rss_kib_before"] = b.rss_kib;
    p["rss_kib_after"] = a->rss_kib;
    p["hwm_kib"] = a->hwm_kib;
    procs.push_back(std::move(p));
  }
  json::object out;
  out["pids"] = std::move(procs);
  out["cpu_seconds"] = std::round(cpu * 100) / 100;
  out["cpu_us_per_ack"] = acks ? std::round(cpu * 1e6 / static_cast<double>(acks) * 100) / 100 : 0.0;
  out["cpu_us_per_delivery"] =
    deliveries ? std::round(cpu * 1e6 / static_cast<double>(deliveries) * 100) / 100 : 0.0;
  return out;
}

} // namespace chatbench
