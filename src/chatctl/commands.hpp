#pragma once
// The shell's commands: their table (usage, help), the parsing of one
// command line into an admin request, and the usage errors found before
// anything is asked. connection.cpp turns a request (command + args) into
// the admin actor's typed message (src/actors/admin/admin_api.hpp).
#include <string>
#include <string_view>
#include <vector>

namespace chat::ctl {

struct command_spec {
  std::string_view name;
  std::string_view usage;   ///< e.g. "history CONV [-n N]"
  std::string_view summary; ///< one line
  std::string_view details; ///< the rest of `help NAME`
};

/// Every command, in the order `help` lists them (shell words included).
const std::vector<command_spec>& command_table();
const command_spec* find_command(std::string_view name);

/// The kinds `inspect` accepts.
const std::vector<std::string>& inspect_kinds();

/// `help` without argument: one line per command.
std::string command_summary();
/// `help NAME`; empty if there is no such command.
std::string command_help(std::string_view name);

/// What one command line asks for.
struct parsed_line {
  enum kind { empty, request, help, quit, usage_error };
  kind what = empty;
  std::string command;           ///< request: the admin command
  std::vector<std::string> args; ///< request: its arguments, in protocol order
  std::string text;              ///< help: the text; usage_error: the message
};

/// Splits a line into words: blanks separate, '…' and "…" quote, \ escapes.
/// False (and *error) on an unterminated quote.
bool split_words(std::string_view line, std::vector<std::string>* words, std::string* error);

/// Parses one command line. `node_ids` are the nodes of cluster.conf (for
/// `actors --node N`).
parsed_line parse_line(std::string_view line, const std::vector<std::string>& node_ids);

} // namespace chat::ctl
