#pragma once
// What every scenario shares: the command-line options common to all, and
// the entry point each scenario file provides (durable.cpp; rooms, max and
// idle come as further files with the same shape).
#include "target.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace chatbench {

struct common_options {
  std::vector<node_url> nodes;      ///< clients are spread over them round-robin
  unsigned threads = 1;             ///< io_contexts (one OS thread each)
  unsigned concurrency = 16;        ///< set-up calls in flight per thread
  std::chrono::milliseconds phase_timeout{60'000};  ///< any set-up phase
  std::chrono::milliseconds request_timeout{15'000}; ///< one HTTP call or websocket connect
  std::vector<int> pids;            ///< server processes to sample in /proc
  bool json = false;                ///< one JSON object on stdout instead of the table
  bool progress = true;             ///< the live line on stderr
};

struct durable_options {
  std::size_t clients = 64;
  std::size_t rooms = 8;
  double seconds = 10;
  unsigned pipeline = 8;            ///< sends in flight per client
  std::size_t text_bytes = 100;
  std::chrono::milliseconds drain_timeout{5'000};
};

/// Thrown by a scenario for a failure that ends the run (set-up failed, a
/// phase timed out); main prints it and exits with status 2.
struct scenario_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Runs the durable scenario; returns its report (see bench/README.md).
boost::json::object run_durable(const common_options& common, const durable_options& opts);

} // namespace chatbench
