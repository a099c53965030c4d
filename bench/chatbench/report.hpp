#pragma once
// A scenario's result is one JSON object (printed as is with --json); the
// table on stdout is rendered from the same object, so both always agree.
#include "histogram.hpp"
#include "proc_stats.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <vector>

namespace chatbench {

/// {count, p50, p90, p99, p999, max, mean} of a histogram recorded in
/// nanoseconds, in whole microseconds.
boost::json::object latency_json(const histogram& h);

/// The table: scalars as `key  value` rows, nested objects as indented
/// sections, arrays of scalars joined with ", ", arrays of objects as one
/// section per element.
std::string render_table(const boost::json::object& report);

/// A number as the table shows it: integers in full, other values with a
/// precision that suits their size (12345.6 → "12346", 3.14159 → "3.14").
std::string format_number(double v);

/// Server CPU and RSS over a run, for the pids given with --pids:
/// {pids: [{pid, cpu_seconds, rss_kib_before, rss_kib_after, hwm_kib}], cpu_seconds,
///  cpu_us_per_ack, cpu_us_per_delivery}. A process that vanished is reported with "gone".
boost::json::object server_json(const std::vector<proc_sample>& before,
                                const std::vector<proc_sample>& after, std::uint64_t acks,
                                std::uint64_t deliveries);

} // namespace chatbench
