// chatctl: the admin shell of a chat cluster (DESIGN.md "Admin shell").
// Wiring only: flags, config and secret, then one command (-c) or the shell.
#include <cstdio>
#include <optional>

#include "chatctl/cli_options.hpp"
#include "chatctl/commands.hpp"
#include "chatctl/completion.hpp"
#include "chatctl/connection.hpp"
#include "chatctl/execute.hpp"
#include "chatctl/shell.hpp"
#include "config/cluster_config.hpp"
#include "security/crypto.hpp"

using namespace chat;
using namespace chat::ctl;

namespace {

int usage_error(const std::string& message) {
  print_error(message);
  std::fputs("Run 'chatctl --help' for the options and commands.\n", stderr);
  return static_cast<int>(outcome::usage);
}

} // namespace

int main(int argc, char** argv) {
  auto cli = parse_cli(argc, argv);
  if (cli.result == cli_parse::help) {
    std::fputs(cli.text.c_str(), stdout);
    return 0;
  }
  if (cli.result == cli_parse::usage_error)
    return usage_error(cli.text);
  const auto& opts = cli.options;

  std::string error;
  auto config = load_cluster_config(opts.config, &error);
  if (!config) {
    print_error(error);
    return 1;
  }
  std::vector<std::string> node_ids;
  for (const auto& n : config->nodes)
    node_ids.push_back(n.id);
  if (!opts.node.empty() && !config->find(opts.node)) {
    std::string ids;
    for (const auto& id : node_ids)
      ids += (ids.empty() ? "" : ", ") + id;
    return usage_error("no node '" + opts.node + "' in " + opts.config + " (nodes: " + ids + ")");
  }

  // A one-shot command is checked before anything is dialled.
  parsed_line line;
  if (opts.has_command) {
    line = parse_line(opts.command, node_ids);
    if (line.what == parsed_line::empty)
      return usage_error("-c needs a command (try: -c help)");
    if (line.what == parsed_line::usage_error) {
      print_error(line.text);
      return static_cast<int>(outcome::usage);
    }
    if (line.what == parsed_line::help)
      std::fputs(line.text.c_str(), stdout);
    if (line.what != parsed_line::request) // help, quit
      return 0;
  }

  auto secret = read_cluster_secret(config->secret_file, &error);
  if (!secret) {
    print_error(error);
    return 1;
  }
  try {
    security::init();
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
  admin_connection conn{*config, *secret, opts.node};
  security::wipe(*secret);
  vocabulary vocab{node_ids};
  context ctx{conn, vocab, opts.json};

  if (opts.has_command)
    return static_cast<int>(execute(line, ctx));
  if (!conn.connect(&error)) {
    print_error(error);
    return 1;
  }
  return run_shell(ctx, history_file());
}
