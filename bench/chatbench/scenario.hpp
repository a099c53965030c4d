#pragma once
// What every scenario shares: the command-line options common to all, and
// the entry point each scenario file provides (durable.cpp, rooms.cpp,
// max.cpp, idle.cpp, hugeroom.cpp; rooms and max share the open-loop engine room_load).
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

struct rooms_options {
  std::size_t rooms = 20;
  std::size_t members = 50;         ///< per room, one websocket each
  std::size_t senders = 2;          ///< per room: its first members
  double rate = 50;                 ///< sends/s per sender, open loop
  double seconds = 10;
  std::size_t text_bytes = 100;
  std::chrono::milliseconds drain_timeout{5'000};
};

struct max_options {
  std::size_t rooms = 20;
  std::size_t members = 50;
  std::size_t senders = 2;
  double start_rate = 10;           ///< sends/s per sender at the first step
  double factor = 1.5;              ///< rate multiplier per step
  double max_rate = 100'000;        ///< no step above (per sender)
  unsigned max_steps = 12;
  double step_seconds = 3;
  double p99_limit_ms = 100;        ///< a step over it ends the run
  double loss_limit_percent = 1;    ///< likewise
  std::size_t text_bytes = 100;
  std::chrono::milliseconds drain_timeout{3'000};  ///< after each step
};

struct idle_options {
  std::size_t connections = 1000;
  std::size_t users = 0;            ///< 0: one user per 10 connections (at least 1)
  double hold_seconds = 5;          ///< idle time before RSS is read again
  std::chrono::milliseconds ping_timeout{10'000};
  std::size_t source_addresses = 0; ///< 0: the kernel picks (127.0.0.1); N: 127.0.0.2 … N addresses, round-robin
};

struct hugeroom_options {
  std::size_t members = 10'000;     ///< all in one conversation, one websocket each
  double rate = 1;                  ///< messages/s from the one sender (open loop)
  double seconds = 10;
  double idle_seconds = 3;          ///< the nodes' idle CPU, measured before sending (with --pids)
  std::size_t text_bytes = 100;
  std::chrono::milliseconds drain_timeout{5'000};
};

/// Thrown by a scenario for a failure that ends the run (set-up failed, a
/// phase timed out); main prints it and exits with status 2.
struct scenario_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// hugeroom: one conversation of N members over all nodes, one sender.
boost::json::object run_hugeroom(const common_options& common, const hugeroom_options& opts);
/// Runs the durable scenario; returns its report (see bench/README.md).
boost::json::object run_durable(const common_options& common, const durable_options& opts);
/// rooms: R rooms × K members, S senders per room at a fixed rate (open loop).
boost::json::object run_rooms(const common_options& common, const rooms_options& opts);
/// max: the rooms load, the rate stepped up until p99 or loss breaks the limits.
boost::json::object run_max(const common_options& common, const max_options& opts);
/// idle: connection set-up rate and server RSS per idle connection.
boost::json::object run_idle(const common_options& common, const idle_options& opts);

} // namespace chatbench
