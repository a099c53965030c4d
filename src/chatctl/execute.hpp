#pragma once
// Runs one parsed command line: asks the admin actor, prints the answer
// (a table, or its JSON document) on stdout and failures on stderr.
// Shared by `-c` and the shell.
#include "chatctl/commands.hpp"

namespace chat::ctl {

class admin_connection;
class vocabulary;

/// Exit codes of chatctl (issue 6): 0 success, 1 error, 2 usage.
enum class outcome { ok = 0, error = 1, usage = 2, quit = 3 };

struct context {
  admin_connection& conn;
  vocabulary& vocab; ///< learns the ids every answer shows
  bool json = false;
};

outcome execute(const parsed_line& line, context& ctx);

/// "chatctl: <message>" on stderr.
void print_error(const std::string& message);

} // namespace chat::ctl
