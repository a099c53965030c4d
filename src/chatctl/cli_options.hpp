#pragma once
// The command-line flags of chatctl itself (not the shell's commands).
#include <string>

namespace chat::ctl {

struct cli_options {
  std::string config;          ///< --config: the cluster.conf every node reads
  std::string node;            ///< --node: the node to talk to; empty: first reachable
  std::string command;         ///< -c: one command to run; see has_command
  bool has_command = false;    ///< -c was given: run it and exit, no shell
  bool json = false;           ///< --json: print the answers as received
};

struct cli_parse {
  enum outcome { run, help, usage_error };
  outcome result = run;
  cli_options options;
  std::string text; ///< help: the help text; usage_error: what is wrong
};

cli_parse parse_cli(int argc, char** argv);

} // namespace chat::ctl
