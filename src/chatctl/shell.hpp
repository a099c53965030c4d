#pragma once
// The interactive shell (libedit): a prompt naming the node, emacs-style
// line editing, history kept across runs in a file, TAB completion of
// commands, kinds and the ids earlier answers showed.
#include <string>

#include "chatctl/execute.hpp"

namespace chat::ctl {

/// $CHATCTL_HISTORY if set, else ~/.chatctl_history (empty: no file).
std::string history_file();

/// Reads commands until quit/exit/EOF; errors are printed and the shell
/// goes on. Returns the exit code (0).
int run_shell(context& ctx, const std::string& history_path);

} // namespace chat::ctl
